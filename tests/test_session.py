"""Session behaviour that callers rely on, on every available provider: outputs the caller owns,
inputs and models left untouched, any memory layout accepted, results stable across runs and threads."""
from __future__ import annotations

import threading
import warnings

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnxjit

PROVIDERS = onnxjit.get_available_providers()


def _model() -> onnx.ModelProto:
    """y = x + w, z = Identity(x), c = Identity(w), s = Reshape(w, [2, 2]) for x: float[N, 4]."""
    nodes = [helper.make_node("Add", ["x", "w"], ["y"]), helper.make_node("Identity", ["x"], ["z"]),
             helper.make_node("Identity", ["w"], ["c"]), helper.make_node("Reshape", ["w", "shape"], ["s"])]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("y", "z", "c", "s")],
        initializer=[numpy_helper.from_array(np.arange(4, dtype=np.float32), "w"),
                     numpy_helper.from_array(np.array([2, 2], np.int64), "shape")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


W = np.arange(4, dtype=np.float32)


@pytest.fixture(scope="module", params=PROVIDERS)
def session(request) -> onnxjit.InferenceSession:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return onnxjit.InferenceSession(_model().SerializeToString(), providers=[request.param])


def test_outputs_do_not_alias_inputs_constants_or_each_other(session) -> None:
    x = np.ones((2, 4), np.float32)
    y, z, c, s = session.run(None, {"x": x})
    assert not np.shares_memory(z, x)
    z[:] = 42  # writing to outputs changes neither the feed nor the model's constants
    c[:] = 42
    s[:] = 42
    np.testing.assert_array_equal(x, 1)
    y2, z2, c2, s2 = session.run(None, {"x": x})
    np.testing.assert_array_equal(y2, x + W)
    np.testing.assert_array_equal(c2, W)
    np.testing.assert_array_equal(s2, W.reshape(2, 2))
    assert not np.shares_memory(c2, s2)


def test_feeds_are_not_modified(session) -> None:
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    before = x.copy()
    session.run(None, {"x": x})
    np.testing.assert_array_equal(x, before)


def test_earlier_results_survive_later_runs(session) -> None:
    x1 = np.full((3, 4), 1, np.float32)
    x2 = np.full((3, 4), 2, np.float32)
    (y1,) = session.run(["y"], {"x": x1})
    (y2,) = session.run(["y"], {"x": x2})
    np.testing.assert_array_equal(y1, x1 + W)
    np.testing.assert_array_equal(y2, x2 + W)


@pytest.mark.parametrize("layout", ["transposed", "strided", "fortran", "readonly", "batch_1", "batch_0"])
def test_any_memory_layout_is_accepted(session, layout: str) -> None:
    base = np.arange(32, dtype=np.float32)
    x = {"transposed": lambda: base[:8].reshape(4, 2).T,
         "strided": lambda: base.reshape(8, 4)[::3],
         "fortran": lambda: np.asfortranarray(base[:12].reshape(3, 4)),
         "readonly": lambda: _readonly(base[:8].reshape(2, 4)),
         "batch_1": lambda: base[:4].reshape(1, 4),
         "batch_0": lambda: np.zeros((0, 4), np.float32)}[layout]()
    y, z, _, _ = session.run(None, {"x": x})
    np.testing.assert_array_equal(y, x + W)
    np.testing.assert_array_equal(z, x)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a.flags.writeable = False
    return a


def test_concurrent_runs_on_one_session(session) -> None:
    errors: list[str] = []

    def work(k: int) -> None:
        for _ in range(25):
            x = np.full((k + 1, 4), k, np.float32)
            (y,) = session.run(["y"], {"x": x})
            if y.shape != x.shape or not np.array_equal(y, x + W):
                errors.append(f"thread {k}: wrong result")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


@pytest.mark.parametrize("provider", PROVIDERS)
def test_model_proto_is_not_modified(provider: str) -> None:
    model = _model()
    before = model.SerializeToString()
    so = onnxjit.SessionOptions()
    so.add_initializer("w", np.full(4, 7, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sess = onnxjit.InferenceSession(model, so, providers=[provider])
    (y,) = sess.run(["y"], {"x": np.zeros((1, 4), np.float32)})
    np.testing.assert_array_equal(y, np.full((1, 4), 7))
    assert model.SerializeToString() == before


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_runtime_error_leaves_the_session_working(provider: str) -> None:
    """A kernel failure (here: Reshape to an impossible shape) is an onnxjit error; the next run works."""
    graph = helper.make_graph([helper.make_node("Reshape", ["x", "shape"], ["y"], name="the_reshape")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N"]),
                               helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sess = onnxjit.InferenceSession(model.SerializeToString(), providers=[provider])
    x = np.arange(6, dtype=np.float32)
    with pytest.raises(onnxjit.OnnxJitError):
        sess.run(None, {"x": x, "shape": np.array([4, 4], np.int64)})
    (y,) = sess.run(None, {"x": x, "shape": np.array([2, 3], np.int64)})
    np.testing.assert_array_equal(y, x.reshape(2, 3))
