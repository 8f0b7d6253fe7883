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


def test_batchnorm_folds_into_conv_weights_in_place_only_when_nothing_else_reads_them() -> None:
    """fold_batchnorm scales a conv's weights in place when that conv alone reads them (no copy of
    every conv's weights at session start); a weight another conv or a graph output also reads is
    copied, so each reader sees its own values. Checked against the CPU provider, which folds
    nothing in place; and the session's ModelProto is never touched."""
    rng = np.random.default_rng(0)
    w_own, w_shared, w_alone = (rng.standard_normal((4, 3, 3, 3)).astype(np.float32) for _ in range(3))
    bn = [rng.uniform(0.5, 2, 4).astype(np.float32) for _ in range(4)]
    nodes = [helper.make_node("Conv", ["x", "w_own"], ["c0"], pads=[1] * 4, name="c0"),
             helper.make_node("BatchNormalization", ["c0", "s", "b", "m", "v"], ["y0"], name="bn0"),
             helper.make_node("Conv", ["x", "w_shared"], ["c1"], pads=[1] * 4, name="c1"),
             helper.make_node("BatchNormalization", ["c1", "s", "b", "m", "v"], ["y1"], name="bn1"),
             helper.make_node("Conv", ["x", "w_shared"], ["y2"], pads=[1] * 4, name="c2"),
             helper.make_node("Identity", ["w_own"], ["w_out"], name="keep"),
             helper.make_node("Conv", ["x", "w_alone"], ["c3"], pads=[1] * 4, name="c3"),
             helper.make_node("BatchNormalization", ["c3", "s", "b", "m", "v"], ["y3"], name="bn3")]
    inits = [onnx.numpy_helper.from_array(a, n) for a, n in
             [(w_own, "w_own"), (w_shared, "w_shared"), (w_alone, "w_alone"),
              (bn[0], "s"), (bn[1], "b"), (bn[2], "m"), (bn[3], "v")]]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
                               for n in ("y0", "y1", "y2", "w_out", "y3")], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    before = model.SerializeToString()
    x = rng.standard_normal((1, 3, 8, 8)).astype(np.float32)
    got = _session(model, "NumbaExecutionProvider").run(None, {"x": x})
    want = _session(model, "ReferenceExecutionProvider").run(None, {"x": x})
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(got[3], w_own)  # the output of the weights keeps their values
    assert model.SerializeToString() == before


def test_batchnorm_scales_a_conv_weight_in_place_when_it_is_its_only_reader() -> None:
    from onnxjit.compiler import loader
    from onnxjit.compiler.passes.fold_batchnorm import fold_batchnorm

    rng = np.random.default_rng(1)
    w = rng.standard_normal((2, 1, 1, 1)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="c"),
             helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["y"], name="bn")]
    inits = [onnx.numpy_helper.from_array(w, "w")] + [onnx.numpy_helper.from_array(np.full(2, f, np.float32), n)
                                                       for n, f in (("s", 2.0), ("b", 0.0), ("m", 0.0), ("v", 1.0))]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 2, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    g = loader.model_from_proto(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])).graph
    g.initializers["w"] = np.array(g.initializers["w"])  # owned and writeable, as a folded constant is
    original = g.initializers["w"]
    assert fold_batchnorm(g, set()) == 1
    assert "w" not in g.initializers  # the old name does not keep the scaled values
    scaled = g.initializers["c__bnfolded_w"]
    assert scaled is original  # scaled where it lay, not copied
    np.testing.assert_allclose(scaled, w * 2 / np.sqrt(1 + 1e-5), rtol=1e-6)
