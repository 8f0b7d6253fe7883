"""The rank probe records only ranks that real data cannot change (compiler/passes/probe_ranks.py)."""
from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper

import onnxjit
from onnxjit.compiler import loader
from onnxjit.compiler.passes.probe_ranks import probe_ranks
from onnxjit.compiler.passes.shape_inference import infer_shapes


def _reduce_with_fed_axes() -> onnx.ModelProto:
    """ReduceSum over axes fed at run time: the output's rank depends on the axes' values."""
    node = helper.make_node("ReduceSum", ["x", "axes"], ["y"], keepdims=0)
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["a", "b", "c"]),
         helper.make_tensor_value_info("axes", TensorProto.INT64, ["k"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])


def _embedding_reshape() -> onnx.ModelProto:
    """Gather(table, ids) then a Reshape whose target comes from Shape: torch's pattern, whose
    ranks do not depend on the ids' values."""
    table = helper.make_tensor("table", TensorProto.FLOAT, [10, 4], np.arange(40, dtype=np.float32))
    nodes = [helper.make_node("Gather", ["table", "ids"], ["e"]),
             helper.make_node("Shape", ["e"], ["s"]),
             helper.make_node("Reshape", ["e", "s"], ["r"]),
             helper.make_node("Relu", ["r"], ["y"])]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("ids", TensorProto.INT64, ["n", "m"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [table])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _probed(proto: onnx.ModelProto):
    model = loader.model_from_proto(infer_shapes(proto))
    probe_ranks(model.graph, model.opsets)
    return model.graph.value_info


def test_rank_computed_from_made_up_integers_is_not_recorded() -> None:
    vi = _probed(_reduce_with_fed_axes()).get("y")
    assert vi is None or vi.shape is None


def test_rank_that_follows_from_ranks_is_still_recorded() -> None:
    vi = _probed(_embedding_reshape())["r"]
    assert vi.shape is not None and len(vi.shape) == 3


@pytest.mark.parametrize("axes", [[1], [0, 2], [0, 1, 2]])
def test_reduce_over_fed_axes_matches_onnxruntime(axes: list[int]) -> None:
    proto = _reduce_with_fed_axes()
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    feeds = {"x": x, "axes": np.array(axes, dtype=np.int64)}
    want = onnxruntime.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    sess = onnxjit.InferenceSession(proto.SerializeToString(), providers=["NumbaExecutionProvider"])
    got = sess.run(None, feeds)[0]
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
