"""API parity with onnxruntime: public names, NodeArg, ModelMetadata, providers, run() conventions."""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnxjit

ort = pytest.importorskip("onnxruntime")

PACKAGE_DIR = Path(onnxjit.__file__).parent
CPU = ["CPUExecutionProvider"]

PUBLIC_NAMES = [
    "InferenceSession", "SessionOptions", "RunOptions", "GraphOptimizationLevel", "ExecutionMode",
    "ExecutionOrder", "NodeArg", "ModelMetadata", "get_available_providers", "get_all_providers",
    "get_device", "get_version_string", "__version__", "set_seed",
]
BACKEND_NAMES = ["prepare", "run", "is_compatible", "supports_device"]


def _model(nodes, inputs, outputs, initializers=(), opset=17, ir_version=8, **model_kw) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir_version,
                             **model_kw)


def _both(model: onnx.ModelProto, **kw):
    data = model.SerializeToString()
    return onnxjit.InferenceSession(data, providers=CPU, **kw), ort.InferenceSession(data, providers=CPU, **kw)


def _node_args(args) -> list[tuple]:
    return [(a.name, a.type, a.shape) for a in args]


# --- names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_public_name_exists_like_onnxruntime(name: str) -> None:
    assert hasattr(ort, name), f"onnxruntime has no {name}: update this list"
    assert hasattr(onnxjit, name), f"onnxjit is missing {name}"
    assert callable(getattr(onnxjit, name)) == callable(getattr(ort, name))


@pytest.mark.parametrize("name", BACKEND_NAMES)
def test_backend_name_exists(name: str) -> None:
    import onnxruntime.backend

    assert hasattr(onnxruntime.backend, name)
    assert callable(getattr(onnxjit.backend, name))


@pytest.mark.parametrize("enum_name", ["GraphOptimizationLevel", "ExecutionMode", "ExecutionOrder"])
def test_enums_have_onnxruntimes_members_and_values(enum_name: str) -> None:
    want = {k: int(v) for k, v in getattr(ort, enum_name).__members__.items()}
    got = {k: int(v) for k, v in getattr(onnxjit, enum_name).__members__.items()}
    assert got == want


def test_module_functions() -> None:
    assert onnxjit.get_version_string() == onnxjit.__version__
    assert onnxjit.get_device() in ("CPU", "GPU")
    available = onnxjit.get_available_providers()
    assert "CPUExecutionProvider" in available
    assert set(available) <= set(onnxjit.get_all_providers())
    onnxjit.set_seed(0)


def test_session_options_construct_like_onnxruntime() -> None:
    for mod in (ort, onnxjit):
        so = mod.SessionOptions()
        so.graph_optimization_level = mod.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        so.execution_mode = mod.ExecutionMode.ORT_SEQUENTIAL
        so.intra_op_num_threads = 1
        so.add_session_config_entry("session.some_key", "1")
        assert so.get_session_config_entry("session.some_key") == "1"
        so.add_free_dimension_override_by_name("N", 4)
        ro = mod.RunOptions()
        ro.log_severity_level = 3


# --- NodeArg ----------------------------------------------------------------------------------

def test_node_args_equal_onnxruntimes() -> None:
    unknown = onnx.TensorShapeProto.Dimension()  # neither dim_value nor dim_param
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, "seq"])
    k = helper.make_tensor_value_info("k", TensorProto.INT64, [2])
    m = helper.make_tensor_value_info("m", TensorProto.BOOL, [])
    x.type.tensor_type.shape.dim.append(unknown)
    model = _model([helper.make_node("Identity", ["x"], ["y"]), helper.make_node("Identity", ["k"], ["k_out"]),
                    helper.make_node("Not", ["m"], ["m_out"])],
                   [x, k, m],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3, "seq", None]),
                    helper.make_tensor_value_info("k_out", TensorProto.INT64, [2]),
                    helper.make_tensor_value_info("m_out", TensorProto.BOOL, [])])
    jit, ref = _both(model)
    assert _node_args(jit.get_inputs()) == _node_args(ref.get_inputs())
    assert _node_args(jit.get_outputs()) == _node_args(ref.get_outputs())
    assert jit.get_inputs()[0].shape == ["batch", 3, "seq", None]


@pytest.mark.parametrize("declared", [["batch", 3, None], None, [None, None, None], ["a", "b", "c"]],
                         ids=["same", "no_shape", "unknown_dims", "other_params"])
def test_inferred_output_shapes_equal_onnxruntimes(declared) -> None:
    """Output shapes merge the declared and the inferred shape; dims nobody named read as None."""
    model = _model([helper.make_node("Relu", ["x"], ["y"])],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, None])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, declared)])
    jit, ref = _both(model)
    assert _node_args(jit.get_outputs()) == _node_args(ref.get_outputs())


def _vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def _opt_vi(name, elem, shape):
    return helper.make_value_info(name, helper.make_optional_type_proto(helper.make_tensor_type_proto(elem, shape)))


NODE_ARG_MODELS = {
    "unknown_rank": lambda: _model([helper.make_node("Relu", ["x"], ["y"])],
                                   [_vi("x", TensorProto.FLOAT, None)], [_vi("y", TensorProto.FLOAT, None)]),
    "sequence": lambda: _model([helper.make_node("SequenceConstruct", ["a", "b"], ["s"])],
                               [_vi("a", TensorProto.FLOAT, [2]), _vi("b", TensorProto.FLOAT, ["n"])],
                               [helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, None)]),
    "optional": lambda: _model([helper.make_node("Optional", ["x"], ["p"])],
                               [_vi("x", TensorProto.FLOAT, ["n", 2])], [_opt_vi("p", TensorProto.FLOAT, ["n", 2])],
                               opset=18),
    "dtypes": lambda: _model([helper.make_node("Identity", [n], [n + "_out"]) for n in "abcdef"],
                             [_vi("a", TensorProto.FLOAT16, [1]), _vi("b", TensorProto.DOUBLE, [1]),
                              _vi("c", TensorProto.UINT8, [1]), _vi("d", TensorProto.STRING, [1]),
                              _vi("e", TensorProto.INT32, [1]), _vi("f", TensorProto.BFLOAT16, [1])],
                             [_vi(n + "_out", TensorProto.UNDEFINED, None) for n in "abcdef"]),
}


@pytest.mark.parametrize("case", sorted(NODE_ARG_MODELS))
def test_node_args_of_other_types_equal_onnxruntimes(case: str) -> None:
    model = NODE_ARG_MODELS[case]()
    for out in model.graph.output:  # UNDEFINED outputs above: let inference fill the type in
        if out.type.HasField("tensor_type") and out.type.tensor_type.elem_type == TensorProto.UNDEFINED:
            out.ClearField("type")
    jit, ref = _both(model)
    assert _node_args(jit.get_inputs()) == _node_args(ref.get_inputs())
    assert _node_args(jit.get_outputs()) == _node_args(ref.get_outputs())


def test_free_dimension_override_shows_in_node_args() -> None:
    model = _model([helper.make_node("Relu", ["x"], ["y"])], [_vi("x", TensorProto.FLOAT, ["N", 2])],
                   [_vi("y", TensorProto.FLOAT, ["N", 2])])
    args = []
    for mod in (onnxjit, ort):
        so = mod.SessionOptions()
        so.add_free_dimension_override_by_name("N", 3)
        sess = mod.InferenceSession(model.SerializeToString(), so, providers=CPU)
        args.append((_node_args(sess.get_inputs()), _node_args(sess.get_outputs())))
        with pytest.raises(Exception, match="x"):
            sess.run(None, {"x": np.ones((2, 2), np.float32)})
    assert args[0] == args[1]
    assert args[0][0] == [("x", "tensor(float)", [3, 2])]


# --- metadata ---------------------------------------------------------------------------------

METADATA_FIELDS = ["producer_name", "graph_name", "domain", "description", "graph_description", "version",
                   "custom_metadata_map"]


def test_modelmeta_equals_onnxruntimes() -> None:
    model = _model([helper.make_node("Relu", ["x"], ["y"])],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
                   producer_name="unit-test", producer_version="9.9", domain="org.example", model_version=7,
                   doc_string="the model's doc")
    model.graph.name = "my_graph"
    model.graph.doc_string = "the graph's doc"
    helper.set_model_props(model, {"author": "me", "license": "MIT"})
    jit, ref = _both(model)
    got, want = jit.get_modelmeta(), ref.get_modelmeta()
    for field in METADATA_FIELDS:
        assert getattr(got, field) == getattr(want, field), field
    assert got.custom_metadata_map == {"author": "me", "license": "MIT"}


# --- overridable initializers -----------------------------------------------------------------

@pytest.mark.parametrize("ir_version", [3, 4, 8])
def test_overridable_initializers_equal_onnxruntimes(ir_version: int) -> None:
    w = np.array([1, 2, 3], np.float32)
    model = _model([helper.make_node("Add", ["x", "w"], ["y"])],
                   [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3]),
                    helper.make_tensor_value_info("w", TensorProto.FLOAT, [3])],
                   [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
                   [numpy_helper.from_array(w, "w")], opset=9 if ir_version < 4 else 17, ir_version=ir_version)
    jit, ref = _both(model)
    assert _node_args(jit.get_inputs()) == _node_args(ref.get_inputs())
    assert _node_args(jit.get_overridable_initializers()) == _node_args(ref.get_overridable_initializers())
    x = np.zeros((2, 3), np.float32)
    np.testing.assert_array_equal(jit.run(None, {"x": x})[0], ref.run(None, {"x": x})[0])
    if ref.get_overridable_initializers():
        w2 = np.full(3, 5, np.float32)
        np.testing.assert_array_equal(jit.run(None, {"x": x, "w": w2})[0], ref.run(None, {"x": x, "w": w2})[0])


# --- session ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_output_model() -> onnx.ModelProto:
    return _model([helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Neg", ["x"], ["n"])],
                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N"])],
                  [helper.make_tensor_value_info("r", TensorProto.FLOAT, ["N"]),
                   helper.make_tensor_value_info("n", TensorProto.FLOAT, ["N"])])


def test_providers_and_options(two_output_model) -> None:
    so = onnxjit.SessionOptions()
    so.graph_optimization_level = onnxjit.GraphOptimizationLevel.ORT_ENABLE_BASIC
    jit = onnxjit.InferenceSession(two_output_model.SerializeToString(), sess_options=so, providers=CPU)
    ref = ort.InferenceSession(two_output_model.SerializeToString(), sess_options=ort.SessionOptions(), providers=CPU)
    assert jit.get_providers() == ref.get_providers() == CPU
    assert jit.get_provider_options() == ref.get_provider_options()
    got = jit.get_session_options()
    assert isinstance(got, onnxjit.SessionOptions)
    assert got.graph_optimization_level == onnxjit.GraphOptimizationLevel.ORT_ENABLE_BASIC


def test_default_providers_start_with_the_best_available(two_output_model) -> None:
    sess = onnxjit.InferenceSession(two_output_model.SerializeToString())
    assert sess.get_providers()[-1] == "ReferenceExecutionProvider"
    assert set(sess.get_providers()) <= set(onnxjit.get_available_providers())
    if "NumbaExecutionProvider" in onnxjit.get_available_providers():
        assert sess.get_providers() == ["NumbaExecutionProvider", "ReferenceExecutionProvider"]


def test_cpu_provider_name_runs_compiled_kernels(two_output_model) -> None:
    """Code written for onnxruntime passes providers=["CPUExecutionProvider"]: it gets the compiled CPU
    kernels (the reference kernels only behind them), and sees the name it asked for."""
    sess = onnxjit.InferenceSession(two_output_model.SerializeToString(), providers=CPU)
    assert sess.get_providers() == CPU
    assert type(sess.executable).__name__ == "NumbaExecutable"
    ref = onnxjit.InferenceSession(two_output_model.SerializeToString(), providers=["ReferenceExecutionProvider"])
    assert ref.get_providers() == ["ReferenceExecutionProvider"]
    assert type(ref.executable).__name__ == "GraphInterpreter"
    x = np.linspace(-1, 1, 6, dtype=np.float32)
    for a, b in zip(sess.run(None, {"x": x}), ref.run(None, {"x": x})):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_run_none_returns_list_of_arrays_and_output_subsets(two_output_model) -> None:
    jit, ref = _both(two_output_model)
    x = np.array([-1, 2, -3], np.float32)
    out = jit.run(None, {"x": x})
    assert isinstance(out, list) and len(out) == 2
    assert all(isinstance(o, np.ndarray) for o in out)
    for a, b in zip(out, ref.run(None, {"x": x})):
        np.testing.assert_array_equal(a, b)
    (n,) = jit.run(["n"], {"x": x})
    np.testing.assert_array_equal(n, -x)
    n2, r2 = jit.run(["n", "r"], {"x": x})
    np.testing.assert_array_equal(r2, np.maximum(x, 0))
    np.testing.assert_array_equal(n2, -x)
    ro = onnxjit.RunOptions()
    assert len(jit.run([], {"x": x}, ro)) == 2  # empty list means all outputs, like onnxruntime


def test_empty_optional_output_is_none() -> None:
    model = _model([helper.make_node("Optional", [], ["o"], type=helper.make_tensor_type_proto(TensorProto.FLOAT, [2])),
                    helper.make_node("Optional", ["x"], ["p"])],
                   [_vi("x", TensorProto.FLOAT, [2])],
                   [_opt_vi("o", TensorProto.FLOAT, [2]), _opt_vi("p", TensorProto.FLOAT, [2])], opset=18)
    jit, ref = _both(model)
    x = np.array([1, 2], np.float32)
    got, want = jit.run(None, {"x": x}), ref.run(None, {"x": x})
    assert got[0] is None and want[0] is None
    np.testing.assert_array_equal(got[1], want[1])


def test_python_lists_take_the_inputs_dtype(two_output_model) -> None:
    jit, ref = _both(two_output_model)
    got, want = jit.run(["n"], {"x": [1, -2.5]}), ref.run(["n"], {"x": [1, -2.5]})
    assert got[0].dtype == want[0].dtype == np.float32
    np.testing.assert_array_equal(got[0], want[0])


def test_sequence_output_is_a_list() -> None:
    model = _model([helper.make_node("SequenceConstruct", ["a", "b"], ["s"])],
                   [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2]),
                    helper.make_tensor_value_info("b", TensorProto.FLOAT, [3])],
                   [helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, None)])
    jit, ref = _both(model)
    feed = {"a": np.ones(2, np.float32), "b": np.zeros(3, np.float32)}
    (got,), (want,) = jit.run(None, feed), ref.run(None, feed)
    assert isinstance(got, list) and isinstance(want, list) and len(got) == len(want) == 2
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_model_loads_from_path_bytes_and_proto(tmp_path: Path, two_output_model) -> None:
    path = tmp_path / "m.onnx"
    onnx.save(two_output_model, str(path))
    x = np.array([1, -1], np.float32)
    for source in (str(path), path, path.read_bytes(), two_output_model):
        out = onnxjit.InferenceSession(source, providers=CPU).run(None, {"x": x})
        np.testing.assert_array_equal(out[1], -x)


# --- the package never computes with an oracle ------------------------------------------------

FORBIDDEN = ("onnxruntime", "onnx.reference")


def _forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def test_package_source_never_imports_oracles() -> None:
    offenders = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) \
                    and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__"):
                names = [node.args[0].value]
            for name in names:
                if _forbidden(name):
                    offenders.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{node.lineno}: {name}")
    assert not offenders, "\n".join(offenders)


def test_running_a_model_loads_no_oracle_module(tmp_path: Path, two_output_model) -> None:
    path = tmp_path / "m.onnx"
    onnx.save(two_output_model, str(path))
    code = textwrap.dedent(f"""
        import sys, numpy as np, onnxjit
        s = onnxjit.InferenceSession({str(path)!r})
        s.run(None, {{"x": np.ones(3, np.float32)}})
        onnxjit.backend.prepare({str(path)!r}).run([np.ones(3, np.float32)])
        bad = sorted(m for m in sys.modules if m.split(".")[0] == "onnxruntime" or m.startswith("onnx.reference"))
        assert not bad, bad
    """)
    env_path = str(PACKAGE_DIR.parent)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=env_path, timeout=120)


# --- code written for onnxruntime ---------------------------------------------------------------

def _ort_style_program(rt, model_path: str) -> list[np.ndarray]:
    """Typical onnxruntime user code; `rt` is the module (onnxruntime or onnxjit imported as ort)."""
    so = rt.SessionOptions()
    so.graph_optimization_level = rt.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = 1
    sess = rt.InferenceSession(model_path, sess_options=so, providers=["CPUExecutionProvider"])
    input_name = sess.get_inputs()[0].name
    output_names = [o.name for o in sess.get_outputs()]
    x = np.linspace(-1, 1, 6, dtype=np.float32)
    return sess.run(output_names, {input_name: x}, rt.RunOptions())


def test_onnxruntime_code_runs_with_import_onnxjit_as_ort(tmp_path: Path, two_output_model) -> None:
    import onnxjit as ort_like

    path = tmp_path / "m.onnx"
    onnx.save(two_output_model, str(path))
    for got, want in zip(_ort_style_program(ort_like, str(path)), _ort_style_program(ort, str(path))):
        np.testing.assert_array_equal(got, want)


def test_onnx_backend_api(two_output_model) -> None:
    x = np.array([3, -4], np.float32)
    rep = onnxjit.backend.prepare(two_output_model)
    r, n = rep.run([x])
    np.testing.assert_array_equal(r, [3, 0])
    np.testing.assert_array_equal(n, [-3, 4])
    r, n = onnxjit.backend.run(two_output_model, [x])
    np.testing.assert_array_equal(n, [-3, 4])
    assert onnxjit.backend.is_compatible(two_output_model)
    assert onnxjit.backend.supports_device("CPU")
    assert not onnxjit.backend.supports_device("TPU")
