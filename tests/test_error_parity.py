"""Error parity with onnxruntime: the same exception class for the same mistake, measured against the
installed onnxruntime in each test (status classes by name, and they are the classes of
``onnxjit.capi.onnxruntime_pybind11_state``; where onnxruntime raises a plain builtin error, onnxjit's is
an instance of that builtin with onnxruntime's message)."""
from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto, helper
from onnxruntime.capi import onnxruntime_pybind11_state as ort_state

import onnxjit
from onnxjit.capi import onnxruntime_pybind11_state as jit_state

F, I64 = TensorProto.FLOAT, TensorProto.INT64
STATUS_CLASSES = ["Fail", "InvalidArgument", "NoSuchFile", "NoModel", "EngineError", "RuntimeException",
                  "InvalidProtobuf", "ModelLoaded", "NotImplemented", "InvalidGraph", "EPFail", "NotFound",
                  "DeviceReset", "ModelLoadCanceled", "ModelRequiresCompilation"]
# onnxruntime's C API OrtErrorCode (onnxruntime_c_api.h); the message prefix carries it
ORT_ERROR_CODES = {"Fail": 1, "InvalidArgument": 2, "NoSuchFile": 3, "NoModel": 4, "EngineError": 5,
                   "RuntimeException": 6, "InvalidProtobuf": 7, "ModelLoaded": 8, "NotImplemented": 9,
                   "InvalidGraph": 10, "EPFail": 11, "ModelLoadCanceled": 12, "ModelRequiresCompilation": 13,
                   "NotFound": 14, "DeviceReset": 15}
PREFIX = re.compile(r"^\[ONNXRuntimeError\] : (\d+) : (\w+) :")


def _model(nodes: list, inputs: list, outputs: list, opsets: dict[str, int] | None = None) -> bytes:
    graph = helper.make_graph(nodes, "g", inputs, outputs)
    imports = [helper.make_opsetid(d, v) for d, v in (opsets or {"": 17}).items()]
    return helper.make_model(graph, opset_imports=imports).SerializeToString()


# one model for the run-time cases: Relu over a fixed-shape x, Reshape of r to s, MatMul of a and b
MODEL = _model([helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Reshape", ["r", "s"], ["rs"]),
                helper.make_node("MatMul", ["a", "b"], ["mm"])],
               [helper.make_tensor_value_info("x", F, [2, 3]), helper.make_tensor_value_info("r", F, ["R"]),
                helper.make_tensor_value_info("s", I64, [1]), helper.make_tensor_value_info("a", F, ["M", "K"]),
                helper.make_tensor_value_info("b", F, ["K2", "N"])],
               [helper.make_tensor_value_info(n, F, None) for n in ("y", "rs", "mm")])


def feeds(**changes: Any) -> dict[str, Any]:
    good = {"x": np.ones((2, 3), np.float32), "r": np.arange(6, dtype=np.float32), "s": np.array([6], np.int64),
            "a": np.ones((2, 3), np.float32), "b": np.ones((3, 4), np.float32)}
    good.update(changes)
    return {k: v for k, v in good.items() if v is not None}


@pytest.fixture(scope="module")
def sessions() -> tuple[Any, Any]:
    ort_sess = onnxruntime.InferenceSession(MODEL, providers=["CPUExecutionProvider"])
    jit_sess = onnxjit.InferenceSession(MODEL, providers=["NumbaExecutionProvider"])
    return ort_sess, jit_sess


def _raised(call: Callable[[], Any]) -> BaseException:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call()
        except Exception as exc:  # noqa: BLE001 - the error is what is compared
            return exc
    raise AssertionError("no exception raised")


def assert_same_error(ort_call: Callable[[], Any], jit_call: Callable[[], Any]) -> tuple[BaseException, BaseException]:
    """Both calls raise, and onnxjit's error is what onnxruntime's is (see the module docstring)."""
    ort_err, jit_err = _raised(ort_call), _raised(jit_call)
    name = type(ort_err).__name__
    if type(ort_err).__module__ == ort_state.__name__:
        assert type(jit_err).__name__ == name, f"onnxruntime raised {name}, onnxjit {type(jit_err).__name__}: {jit_err}"
        assert type(jit_err) is getattr(jit_state, name)
        assert PREFIX.match(str(jit_err)).groups() == PREFIX.match(str(ort_err)).groups()
    else:  # a builtin (RuntimeError, ValueError): catchable the same way, with onnxruntime's words
        assert isinstance(jit_err, type(ort_err)), (f"onnxruntime raised {name}, onnxjit "
                                                    f"{type(jit_err).__name__}: {jit_err}")
        assert not isinstance(ort_err, onnxjit.OnnxJitError)
    return ort_err, jit_err


# --- the classes themselves ---------------------------------------------------------------------------
def test_capi_module_has_onnxruntimes_fifteen_status_classes() -> None:
    ort_classes = {n for n in dir(ort_state) if isinstance(getattr(ort_state, n), type)
                   and issubclass(getattr(ort_state, n), BaseException)}
    assert ort_classes == set(STATUS_CLASSES)
    assert sorted(jit_state.__all__) == sorted(STATUS_CLASSES)
    from onnxjit.capi.onnxruntime_pybind11_state import (DeviceReset, ModelLoadCanceled,  # noqa: F401
                                                         ModelRequiresCompilation, NotFound)
    for name in STATUS_CLASSES:
        cls = getattr(jit_state, name)
        assert cls is getattr(onnxjit, name) is getattr(onnxjit.errors, name), name  # one class per error
        assert issubclass(cls, onnxjit.OnnxJitError)
        ort_cls = getattr(ort_state, name)
        for base in (Exception, RuntimeError, ValueError):  # 1.32: Exception, not RuntimeError
            assert issubclass(cls, base) == issubclass(ort_cls, base), (name, base)
        assert PREFIX.match(str(cls("x"))).group(1) == str(ORT_ERROR_CODES[name])


# --- loading --------------------------------------------------------------------------------------------
def test_missing_file_is_no_such_file(tmp_path: Path) -> None:
    path = str(tmp_path / "absent.onnx")
    assert_same_error(lambda: onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"]),
                      lambda: onnxjit.InferenceSession(path))


@pytest.mark.parametrize("as_file", [False, True])
def test_garbage_is_invalid_protobuf(tmp_path: Path, as_file: bool) -> None:
    data = b"garbage\x01\x02 not a model"
    model: Any = data
    if as_file:
        model = str(tmp_path / "garbage.onnx")
        Path(model).write_bytes(data)
    assert_same_error(lambda: onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"]),
                      lambda: onnxjit.InferenceSession(model))


UNKNOWN_OPS = {  # op, domain, opsets: what onnxruntime says (InvalidGraph / Fail) is asserted by comparison
    "not_an_onnx_op": ("NoSuchOp", "", {"": 17}),
    "onnx_op_newer_than_the_opset": ("Gelu", "", {"": 17}),
    "not_an_onnx_ml_op": ("NoSuchOp", "ai.onnx.ml", {"": 17, "ai.onnx.ml": 3}),
    "custom_domain": ("NoSuchOp", "com.example", {"": 17, "com.example": 1}),
}


@pytest.mark.parametrize("case", sorted(UNKNOWN_OPS))
@pytest.mark.parametrize("provider", ["NumbaExecutionProvider", None])
def test_unknown_op(case: str, provider: str | None) -> None:
    op, domain, opsets = UNKNOWN_OPS[case]
    model = _model([helper.make_node(op, ["x"], ["y"], domain=domain)], [helper.make_tensor_value_info("x", F, [2])],
                   [helper.make_tensor_value_info("y", F, [2])], opsets)
    # provider None: the reference kernels alone (named by the provider list's last entry)
    providers = [provider] if provider else [onnxjit.get_available_providers()[-1]]
    ort_err, _ = assert_same_error(lambda: onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"]),
                                   lambda: onnxjit.InferenceSession(model, providers=providers))
    assert type(ort_err).__name__ in ("InvalidGraph", "Fail")


# --- run time ---------------------------------------------------------------------------------------------
RUN_CASES = {
    "reshape_to_impossible_shape": {"s": np.array([4], np.int64)},
    "matmul_inner_dims_differ": {"b": np.ones((4, 5), np.float32)},
    "wrong_dtype": {"x": np.ones((2, 3), np.float64)},
    "wrong_rank": {"x": np.ones(6, np.float32)},
    "wrong_shape": {"x": np.ones((3, 2), np.float32)},
    "missing_input": {"x": None},
    "unknown_name_in_place_of_an_input": {"x": None, "nope": np.ones((2, 3), np.float32)},
    "unknown_extra_name": {"nope": np.ones((2, 3), np.float32)},
}


@pytest.mark.parametrize("case", sorted(RUN_CASES))
def test_run_errors(sessions: tuple[Any, Any], case: str) -> None:
    ort_sess, jit_sess = sessions
    f = feeds(**RUN_CASES[case])
    ort_err, _ = assert_same_error(lambda: ort_sess.run(None, f), lambda: jit_sess.run(None, f))
    expected = {"reshape_to_impossible_shape": "Fail", "matmul_inner_dims_differ": "Fail",
                "missing_input": "ValueError", "unknown_name_in_place_of_an_input": "ValueError"}
    assert type(ort_err).__name__ == expected.get(case, "InvalidArgument")  # what was measured


def test_unknown_output_name(sessions: tuple[Any, Any]) -> None:
    ort_sess, jit_sess = sessions
    assert_same_error(lambda: ort_sess.run(["zz"], feeds()), lambda: jit_sess.run(["zz"], feeds()))


def test_good_feeds_run_alike(sessions: tuple[Any, Any]) -> None:
    """The cases above differ from a run that works in one value only."""
    ort_sess, jit_sess = sessions
    for a, b in zip(ort_sess.run(None, feeds()), jit_sess.run(None, feeds())):
        np.testing.assert_allclose(b, a, rtol=1e-6)


# --- options ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["", "k" * 1025])
@pytest.mark.parametrize("options", ["SessionOptions", "RunOptions"])
def test_config_key_empty_or_too_long(key: str, options: str) -> None:
    method = "add_session_config_entry" if options == "SessionOptions" else "add_run_config_entry"
    ort_err, jit_err = assert_same_error(lambda: getattr(getattr(onnxruntime, options)(), method)(key, "1"),
                                         lambda: getattr(getattr(onnxjit, options)(), method)(key, "1"))
    assert type(ort_err) is RuntimeError and str(jit_err) == str(ort_err)


@pytest.mark.parametrize("options", ["SessionOptions", "RunOptions"])
def test_config_entries_kept_and_missing(options: str) -> None:
    add, get = (("add_session_config_entry", "get_session_config_entry") if options == "SessionOptions"
                else ("add_run_config_entry", "get_run_config_entry"))
    values = []
    for mod in (onnxruntime, onnxjit):
        opts = getattr(mod, options)()
        getattr(opts, add)("no.such.key", "1")  # unknown keys are kept, not refused
        getattr(opts, add)("k" * 1024, "v" * 5000)
        values.append((getattr(opts, get)("no.such.key"), getattr(opts, get)("k" * 1024)))
    assert values[0] == values[1] == ("1", "v" * 5000)
    ort_err, jit_err = assert_same_error(lambda: getattr(getattr(onnxruntime, options)(), get)("absent"),
                                         lambda: getattr(getattr(onnxjit, options)(), get)("absent"))
    assert type(ort_err) is RuntimeError and str(jit_err) == str(ort_err)


def test_config_entry_needs_strings() -> None:
    assert_same_error(lambda: onnxruntime.SessionOptions().add_session_config_entry("k", 1),
                      lambda: onnxjit.SessionOptions().add_session_config_entry("k", 1))
    assert_same_error(lambda: onnxruntime.RunOptions().add_run_config_entry(1, "v"),
                      lambda: onnxjit.RunOptions().add_run_config_entry(1, "v"))


# --- IOBinding --------------------------------------------------------------------------------------------
def _bind(mod: Any, sess: Any, how: str) -> Callable[[], Any]:
    x = np.ones((2, 3), np.float32)

    def call() -> Any:
        b = sess.io_binding()
        if how == "bind_cpu_input":
            b.bind_cpu_input("nope", x)
        elif how == "bind_input":
            b.bind_input("nope", "cpu", 0, np.float32, [2, 3], x.ctypes.data)
        elif how == "bind_ortvalue_input":
            b.bind_ortvalue_input("nope", mod.OrtValue.ortvalue_from_numpy(x))
        elif how == "bind_cpu_input_of_an_output":
            b.bind_cpu_input("y", x)
        else:  # an unknown output name is accepted when bound and refused by the run
            for name, value in feeds().items():
                b.bind_cpu_input(name, value)
            if how == "bind_output":
                b.bind_output("nope")
            else:
                b.bind_ortvalue_output("nope", mod.OrtValue.ortvalue_from_numpy(x))
            sess.run_with_iobinding(b)
    return call


@pytest.mark.parametrize("how", ["bind_cpu_input", "bind_input", "bind_ortvalue_input", "bind_cpu_input_of_an_output",
                                 "bind_output", "bind_ortvalue_output"])
def test_iobinding_unknown_name(sessions: tuple[Any, Any], how: str) -> None:
    ort_sess, jit_sess = sessions
    ort_err, jit_err = assert_same_error(_bind(onnxruntime, ort_sess, how), _bind(onnxjit, jit_sess, how))
    assert type(ort_err) is RuntimeError and str(jit_err) == str(ort_err)


# --- providers --------------------------------------------------------------------------------------------
def test_set_providers_unknown_name_raises_after_warning(sessions: tuple[Any, Any]) -> None:
    _, jit_sess = sessions
    for names in (["NoSuchProvider"], ["NoSuchProvider", "CPUExecutionProvider"]):
        caught = []
        # a fresh onnxruntime session each time: a failed set_providers leaves it unusable
        for sess in (onnxruntime.InferenceSession(MODEL, providers=["CPUExecutionProvider"]), jit_sess):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                with pytest.raises(RuntimeError) as info:
                    sess.set_providers(names)
            caught.append((str(info.value), [str(x.message).split(".")[0] for x in w]))
        assert caught[0] == caught[1] == ("Unknown Provider Type: NoSuchProvider",
                                          ["Specified provider 'NoSuchProvider' is not in available provider names"])
    # onnxjit's session still runs, on the providers it had (onnxruntime's does not run any more)
    assert jit_sess.get_providers()[0] == "NumbaExecutionProvider"
    np.testing.assert_array_equal(jit_sess.run(["y"], feeds())[0], np.ones((2, 3), np.float32))


def test_set_providers_known_but_absent_only_warns(sessions: tuple[Any, Any]) -> None:
    """A provider onnxruntime knows but this build lacks is dropped with a warning by both."""
    _, jit_sess = sessions
    ort_sess = onnxruntime.InferenceSession(MODEL, providers=["CPUExecutionProvider"])
    for sess in (ort_sess, jit_sess):
        with pytest.warns(UserWarning):
            sess.set_providers(["TensorrtExecutionProvider"])
        assert sess.run(["y"], feeds())[0].shape == (2, 3)
    jit_sess.set_providers(["NumbaExecutionProvider"])


def test_constructor_unknown_provider_warns_and_falls_back() -> None:
    """onnxruntime's constructor warns and falls back (it does not raise); onnxjit's too."""
    for mod in (onnxruntime, onnxjit):
        with pytest.warns(UserWarning, match="NoSuchProvider"):
            sess = mod.InferenceSession(MODEL, providers=["NoSuchProvider"])
        assert sess.run(["y"], feeds())[0].shape == (2, 3)


# --- session-allocated values -----------------------------------------------------------------------------
def test_create_ortvalue_from_shape_and_type(sessions: tuple[Any, Any]) -> None:
    ort_sess, jit_sess = sessions
    for args in (([2, 3], np.float32, "cpu"), ([2, 3], TensorProto.FLOAT, "cpu"), ([4], np.int64, "cpu", 0)):
        a, b = ort_sess.create_ortvalue_from_shape_and_type(*args), jit_sess.create_ortvalue_from_shape_and_type(*args)
        assert (b.shape(), b.data_type(), b.device_name()) == (a.shape(), a.data_type(), a.device_name())
        assert b.numpy().dtype == a.numpy().dtype
    bad = [([2], np.str_, "cpu"), ([2], TensorProto.STRING, "cpu")]
    if onnxjit.get_device() == "CPU":  # neither session allocates on a GPU here
        bad.append(([2], np.float32, "cuda"))
    for args in bad:
        ort_err, jit_err = assert_same_error(lambda: ort_sess.create_ortvalue_from_shape_and_type(*args),
                                             lambda: jit_sess.create_ortvalue_from_shape_and_type(*args))
        assert type(ort_err) is RuntimeError
        assert str(jit_err).split(" (")[0].split(" for device")[0] == str(ort_err).split(" for Device")[0]
