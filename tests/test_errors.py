"""Error cases: bad feeds, malformed models, unsupported ops, unsafe external data, hostile names.

Every error is an onnxjit error (one common base) with a message naming what is wrong, and a session
that raised on a bad feed keeps returning correct results.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnxjit
from tests.conformance.cases import light_models

OPSET = [helper.make_opsetid("", 17)]


def _model(nodes, inputs, outputs, initializers=(), name="g") -> onnx.ModelProto:
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=OPSET, ir_version=8)


@pytest.fixture(scope="module")
def add_session() -> onnxjit.InferenceSession:
    """y = lhs + rhs with lhs: float[N, 3], rhs: float[3] (names distinct enough to find in a message)."""
    model = _model([helper.make_node("Add", ["lhs", "rhs"], ["y"])],
                   [helper.make_tensor_value_info("lhs", TensorProto.FLOAT, ["N", 3]),
                    helper.make_tensor_value_info("rhs", TensorProto.FLOAT, [3])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])])
    return onnxjit.InferenceSession(model.SerializeToString(), providers=["ReferenceExecutionProvider"])


A = np.arange(6, dtype=np.float32).reshape(2, 3)
B = np.array([10, 20, 30], dtype=np.float32)


def _check_still_works(sess: onnxjit.InferenceSession) -> None:
    (y,) = sess.run(None, {"lhs": A, "rhs": B})
    np.testing.assert_array_equal(y, A + B)


# --- bad feeds --------------------------------------------------------------------------------

BAD_FEEDS = {  # case: (feed, what the message must mention: the input, then what was expected / came)
    "wrong_name": ({"lhs": A, "rhs": B, "stranger": B}, ["stranger"]),
    "missing_input": ({"lhs": A}, ["rhs"]),
    "wrong_dtype": ({"lhs": A.astype(np.float64), "rhs": B}, ["lhs", "tensor(double)", "tensor(float)"]),
    "wrong_rank": ({"lhs": A, "rhs": B.reshape(1, 3)}, ["rhs", "Got: 2", "Expected: 1"]),
    "wrong_fixed_dim": ({"lhs": np.zeros((2, 4), np.float32), "rhs": B}, ["lhs", "Got: 4", "Expected: 3"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FEEDS))
def test_bad_feed_raises_invalid_argument_naming_the_input(add_session, case: str) -> None:
    feed, mentions = BAD_FEEDS[case]
    with pytest.raises(onnxjit.InvalidArgument) as info:
        add_session.run(None, feed)
    for text in mentions:
        assert text in str(info.value), f"{text!r} not in {str(info.value)!r}"
    _check_still_works(add_session)


def test_dtype_error_says_expected_and_actual(add_session) -> None:
    with pytest.raises(onnxjit.InvalidArgument, match=r"tensor\(double\).*tensor\(float\)"):
        add_session.run(None, {"lhs": A.astype(np.float64), "rhs": B})


def test_free_dim_takes_any_size(add_session) -> None:
    a = np.ones((5, 3), np.float32)
    (y,) = add_session.run(None, {"lhs": a, "rhs": B})
    np.testing.assert_array_equal(y, a + B)


def test_unknown_output_name_raises(add_session) -> None:
    with pytest.raises(onnxjit.InvalidArgument, match="nope"):
        add_session.run(["nope"], {"lhs": A, "rhs": B})
    _check_still_works(add_session)


def test_every_error_class_subclasses_the_base() -> None:
    for name in onnxjit.errors.__all__:
        assert issubclass(getattr(onnxjit, name), onnxjit.OnnxJitError), name


# --- malformed models -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_model_bytes() -> bytes:
    path = dict((n, p) for n, p, _ in light_models())["light_squeezenet"]
    return path.read_bytes()


def test_truncated_model_file_raises(tmp_path: Path, real_model_bytes: bytes) -> None:
    half = real_model_bytes[: len(real_model_bytes) // 2]
    path = tmp_path / "truncated.onnx"
    path.write_bytes(half)
    with pytest.raises((onnxjit.InvalidProtobuf, onnxjit.InvalidGraph)) as info:
        onnxjit.InferenceSession(str(path))
    assert "truncated.onnx" in str(info.value)
    with pytest.raises((onnxjit.InvalidProtobuf, onnxjit.InvalidGraph)):
        onnxjit.InferenceSession(half)


@pytest.mark.parametrize("data", [b"\xff\xfe garbage \x00\x01" * 16, b"", b"not a model at all"],
                         ids=["binary", "empty", "text"])
def test_garbage_bytes_raise(data: bytes) -> None:
    with pytest.raises((onnxjit.InvalidProtobuf, onnxjit.InvalidGraph)):
        onnxjit.InferenceSession(data)


def _small_model_bytes() -> bytes:
    return _model([helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Relu", ["m"], ["y"])],
                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])],
                  [numpy_helper.from_array(np.ones((4, 4), np.float32), "w")]).SerializeToString()


def _load_and_run(data: bytes) -> None:
    """Load and, when that works, run once: every failure must be an onnxjit error."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            sess = onnxjit.InferenceSession(data, providers=["ReferenceExecutionProvider"])
            feed = {}
            for arg in sess.get_inputs():
                dims = [d if isinstance(d, int) else 2 for d in arg.shape]
                if any(d > 64 for d in dims):
                    return
                feed[arg.name] = np.ones(dims, np.float32)
            sess.run(None, feed)
        except onnxjit.OnnxJitError:
            pass


def test_every_prefix_of_a_model_loads_or_raises_an_onnxjit_error() -> None:
    data = _small_model_bytes()
    for cut in range(len(data)):
        _load_and_run(data[:cut])


def test_corrupted_bytes_load_or_raise_an_onnxjit_error() -> None:
    data = _small_model_bytes()
    rng = np.random.default_rng(0)
    for _ in range(600):
        corrupt = bytearray(data)
        for _ in range(rng.integers(1, 4)):
            corrupt[rng.integers(len(corrupt))] = rng.integers(256)
        _load_and_run(bytes(corrupt))


def test_nonexistent_path_raises_no_such_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.onnx"
    with pytest.raises(onnxjit.NoSuchFile, match="missing.onnx"):
        onnxjit.InferenceSession(str(missing))
    with pytest.raises(onnxjit.NoSuchFile):
        onnxjit.InferenceSession(missing)  # a PathLike too


def test_undefined_value_raises_invalid_graph() -> None:
    model = _model([helper.make_node("Add", ["a", "ghost"], ["y"], name="add_ghost")],
                   [helper.make_tensor_value_info("a", TensorProto.FLOAT, [3])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
    with pytest.raises(onnxjit.InvalidGraph, match="ghost"):
        onnxjit.InferenceSession(model.SerializeToString())


def test_unknown_op_raises_invalid_graph_naming_the_node() -> None:
    """Not an ONNX op: InvalidGraph, as onnxruntime's model check (tests/test_error_parity.py compares)."""
    model = _model([helper.make_node("NoSuchOp", ["a"], ["y"], name="the_node", domain="")],
                   [helper.make_tensor_value_info("a", TensorProto.FLOAT, [3])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
    with pytest.raises(onnxjit.InvalidGraph) as info:
        onnxjit.InferenceSession(model.SerializeToString())
    assert "NoSuchOp" in str(info.value) and "the_node" in str(info.value)


def test_onnx_op_without_kernel_raises_not_implemented_naming_the_node() -> None:
    """An ONNX op onnxjit has no kernel for (MaxRoiPool) is NotImplemented, onnxruntime's class for that."""
    model = _model([helper.make_node("MaxRoiPool", ["a", "r"], ["y"], name="the_node", pooled_shape=[1, 1])],
                   [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 1, 4, 4]),
                    helper.make_tensor_value_info("r", TensorProto.FLOAT, [1, 5])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    with pytest.raises(onnxjit.NotImplemented) as info:
        onnxjit.InferenceSession(model.SerializeToString())
    assert "MaxRoiPool" in str(info.value) and "the_node" in str(info.value)


# --- external data ----------------------------------------------------------------------------

def _weight_model(weight: np.ndarray) -> onnx.ModelProto:
    return _model([helper.make_node("Add", ["x", "w"], ["y"])],
                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(weight.shape))],
                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(weight.shape))],
                  [numpy_helper.from_array(weight, "w")])


def test_external_data_inside_the_folder_loads(tmp_path: Path) -> None:
    w = np.arange(4096, dtype=np.float32).reshape(64, 64)
    path = tmp_path / "model.onnx"
    onnx.save(_weight_model(w), str(path), save_as_external_data=True, all_tensors_to_one_file=True,
              location="weights.bin", size_threshold=0)
    assert (tmp_path / "weights.bin").exists()
    sess = onnxjit.InferenceSession(str(path))
    x = np.ones_like(w)
    (y,) = sess.run(None, {"x": x})
    np.testing.assert_array_equal(y, x + w)


def test_external_data_escaping_the_folder_raises(tmp_path: Path) -> None:
    w = np.arange(16, dtype=np.float32)
    model = _weight_model(w)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (tmp_path / "x.bin").write_bytes(w.tobytes())
    t = model.graph.initializer[0]
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in {"location": "../x.bin", "offset": "0", "length": str(w.nbytes)}.items():
        t.external_data.add(key=k, value=v)
    path = model_dir / "model.onnx"
    path.write_bytes(model.SerializeToString())
    with pytest.raises(onnxjit.OnnxJitError, match="escapes"):
        onnxjit.InferenceSession(str(path))
    # An absolute location is refused the same way.
    t.external_data[0].value = str(tmp_path / "x.bin")
    path.write_bytes(model.SerializeToString())
    with pytest.raises(onnxjit.OnnxJitError, match="escapes"):
        onnxjit.InferenceSession(str(path))


# --- providers --------------------------------------------------------------------------------

def test_unknown_provider_warns_and_falls_back_to_cpu(add_session) -> None:
    model_bytes = _model([helper.make_node("Relu", ["a"], ["y"])],
                         [helper.make_tensor_value_info("a", TensorProto.FLOAT, [3])],
                         [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])]).SerializeToString()
    with pytest.warns(UserWarning, match="NoSuchExecutionProvider"):
        sess = onnxjit.InferenceSession(model_bytes, providers=["NoSuchExecutionProvider"])
    assert sess.get_providers() == ["NumbaExecutionProvider", "ReferenceExecutionProvider"]
    (y,) = sess.run(None, {"a": np.array([-1, 0, 2], np.float32)})
    np.testing.assert_array_equal(y, [0, 0, 2])


# --- hostile names ----------------------------------------------------------------------------

PAYLOAD_FILE = "/tmp/onnxjit_pwn_{pid}"


def _hostile(pid: int) -> str:
    target = PAYLOAD_FILE.format(pid=pid)
    return f"\"); import os; os.system('touch {target}'); (\"'''\n\\"


def test_names_containing_code_run_correctly_and_do_not_execute() -> None:
    target = Path(PAYLOAD_FILE.format(pid=os.getpid()))
    target.unlink(missing_ok=True)
    bad = _hostile(os.getpid())
    x, mid, y = "x" + bad, "mid" + bad, "y" + bad
    model = _model([helper.make_node("Relu", [x], [mid], name="relu" + bad),
                    helper.make_node("Mul", [mid, "two" + bad], [y], name="mul" + bad)],
                   [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["N" + bad, 2])],
                   [helper.make_tensor_value_info(y, TensorProto.FLOAT, ["N" + bad, 2])],
                   [numpy_helper.from_array(np.array([2, 2], np.float32), "two" + bad)], name="graph" + bad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for providers in ([p] for p in onnxjit.get_available_providers()):
            sess = onnxjit.InferenceSession(model.SerializeToString(), providers=providers)
            assert sess.get_inputs()[0].name == x
            feed = np.array([[-1, 3], [4, -5]], np.float32)
            (out,) = sess.run([y], {x: feed})
            np.testing.assert_array_equal(out, np.maximum(feed, 0) * 2)
    assert not target.exists(), "a model name was executed as code"
