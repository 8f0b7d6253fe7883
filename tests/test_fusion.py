"""Planner and buffer-plan unit tests on small hand-built graphs (Numba provider vs the CPU provider)."""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper

import onnxjit
from onnxjit.compiler.fusion.plan import StepKind


def _session(model: onnx.ModelProto, provider: str) -> onnxjit.InferenceSession:
    return onnxjit.InferenceSession(model.SerializeToString(), providers=[provider])


def test_view_read_after_host_step_keeps_its_producers_buffer() -> None:
    """A value made in one segment, viewed (Reshape) and read in the next one, must outlive the first
    segment's arena (regression: the view moved its root to the later segment, so the root got a
    reused work slot and the later segment read another segment's arena)."""
    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0], name="t"),
        helper.make_node("NonZero", ["m"], ["nz"], name="host"),  # no compiled kernel: a host step
        helper.make_node("Reshape", ["t", "shape"], ["r"], name="r"),
        helper.make_node("Mul", ["r", "two"], ["y"], name="y"),
    ]
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 6]),
         helper.make_tensor_value_info("m", TensorProto.INT64, [5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [24]),
         helper.make_tensor_value_info("nz", TensorProto.INT64, [1, None])],
        [helper.make_tensor("shape", TensorProto.INT64, [1], [24]), helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    sess = _session(model, "NumbaExecutionProvider")
    kinds = [s.kind for s in sess._executable.plan.steps]
    assert StepKind.HOST in kinds and kinds.index(StepKind.HOST) < kinds.index(StepKind.VIEW)
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    m = np.array([0, 3, 0, 1, 2], dtype=np.int64)
    y, nz = sess.run(None, {"x": x, "m": m})
    np.testing.assert_array_equal(y, x.T.reshape(-1) * 2)
    np.testing.assert_array_equal(nz, np.array(np.nonzero(m)))
