"""Loading untrusted models (issue 14): long elementwise chains, non-finite float attributes, wrong
attribute types and other malformed content, and graphs whose element types do not match.

Every model here either loads and gives onnxruntime's result on every provider, or is refused at
load with an onnxjit error (one common base), never a Python TypeError/ValueError/RecursionError.
"""
from __future__ import annotations

import math
import pickle

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnxjit
from onnxjit.compiler.fusion.planner import MAX_FUSED_DEPTH
from onnxjit.compiler.prims import Expr

ort = pytest.importorskip("onnxruntime")

F, I64 = TensorProto.FLOAT, TensorProto.INT64
NUMBA, CPU, TRITON = "NumbaExecutionProvider", "ReferenceExecutionProvider", "TritonExecutionProvider"


def _model(nodes, inputs, outputs, inits=(), opset=17, ir_version=8) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir_version)


def _vi(name, shape, dtype=F):
    return helper.make_tensor_value_info(name, dtype, shape)


def _oracle(model: onnx.ModelProto, feeds: dict) -> list[np.ndarray]:
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)


def _triton_or_skip(monkeypatch) -> None:
    pytest.importorskip("triton")
    pytest.importorskip("torch")
    from onnxjit.providers.triton.device import cuda_available

    if not cuda_available():
        monkeypatch.setenv("TRITON_INTERPRET", "1")


# --- 1. long elementwise chains ------------------------------------------------------------------

def _chain(n: int, shape=(2, 3)) -> onnx.ModelProto:
    """x -> Add(c) -> Mul(c) -> Relu -> Neg -> Add ... : n nodes on one tensor."""
    nodes, inits, cur = [], [], "x"
    for i in range(n):
        op = ("Add", "Mul", "Relu", "Neg")[i % 4]
        out = f"v{i}" if i < n - 1 else "y"
        if op in ("Add", "Mul"):
            c = f"c{i}"
            inits.append(numpy_helper.from_array(np.array(0.999 if op == "Mul" else 0.01, np.float32), c))
            nodes.append(helper.make_node(op, [cur, c], [out]))
        else:
            nodes.append(helper.make_node(op, [cur], [out]))
        cur = out
    return _model(nodes, [_vi("x", list(shape))], [_vi("y", list(shape))], inits)


CHAIN = 3000


@pytest.mark.parametrize("provider", [NUMBA, CPU, TRITON])
def test_chain_of_3000_elementwise_nodes(provider, monkeypatch):
    """A 3000-node chain hit RecursionError in Expr.__hash__ at session creation; onnxruntime runs it.
    The planner splits it into kernels no deeper than MAX_FUSED_DEPTH."""
    if provider == TRITON:
        _triton_or_skip(monkeypatch)
    model = _chain(CHAIN)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    sess = onnxjit.InferenceSession(model.SerializeToString(), providers=[provider, CPU])
    assert sess.get_providers()[0] == provider
    got = sess.run(None, {"x": x})[0]
    np.testing.assert_allclose(got, _oracle(model, {"x": x})[0], rtol=1e-5, atol=1e-7)
    if provider != CPU:
        plan = sess.executable.plan
        assert not plan.host_steps
        assert len(plan.kernel_steps) >= CHAIN // MAX_FUSED_DEPTH
        assert all(e.depth <= MAX_FUSED_DEPTH for s in plan.kernel_steps for e in s.exprs.values())


def test_wide_fan_out_is_split_into_bounded_kernels():
    """300 elementwise consumers of one value made one kernel with 300 outputs (about a minute of
    Numba compile); groups are bounded in nodes and operands, and an overflowing consumer joins the
    newest group rather than starting a kernel of its own."""
    from onnxjit.compiler import loader
    from onnxjit.compiler.fusion.planner import MAX_FUSED_NODES, MAX_FUSED_OPERANDS, build_plan
    from onnxjit.compiler.passes.shape_inference import infer_shapes

    n = 300
    nodes = [helper.make_node("Relu", ["x"], ["v"])]
    nodes += [helper.make_node("Neg" if i % 2 else "Abs", ["v"], [f"y{i}"]) for i in range(n)]
    model = _model(nodes, [_vi("x", [2, 3])], [_vi(f"y{i}", [2, 3]) for i in range(n)])
    plan = build_plan(loader.model_from_proto(infer_shapes(model)))
    kernels = plan.kernel_steps
    assert sum(len(s.nodes) for s in kernels) == n + 1 and not plan.host_steps
    assert len(kernels) <= 2 * (n + 1) // MAX_FUSED_NODES + 2
    assert all(len(s.nodes) <= MAX_FUSED_NODES and len(s.inputs) + len(s.outputs) <= MAX_FUSED_OPERANDS
               for s in kernels)


def test_deep_expression_hash_eq_pickle_without_recursion():
    """Hash, equality, printing and pickling of a 20000-deep expression (no Python recursion)."""
    from onnxjit.compiler.codegen.exprs import print_exprs

    def deep(n):
        e = Expr.input(0, np.float32)
        for i in range(n):
            e = e + 1.0 if i % 2 else -e
        return e

    a, b = deep(20000), deep(20000)
    assert a is not b and hash(a) == hash(b) and a == b and a != deep(19999)
    assert a.depth == 20001
    lines, roots = print_exprs([a], lambda k: f"x{k}")
    assert len(lines) == 20002 and lines[-1].startswith(roots[0] + " = ")  # input, 20000 ops, one shared 1.0
    shallow = deep(50)
    assert pickle.loads(pickle.dumps(shallow)) == shallow


def test_sum_of_many_inputs_runs():
    """One Sum node of 300 inputs is deeper than a kernel may be: it runs on the host, correctly."""
    n = 300
    model = _model([helper.make_node("Sum", [f"x{i}" for i in range(n)], ["y"])],
                   [_vi(f"x{i}", [4]) for i in range(n)], [_vi("y", [4])])
    rng = np.random.default_rng(1)
    feeds = {f"x{i}": rng.standard_normal(4).astype(np.float32) for i in range(n)}
    got = onnxjit.InferenceSession(model.SerializeToString(), providers=[NUMBA, CPU]).run(None, feeds)[0]
    np.testing.assert_allclose(got, _oracle(model, feeds)[0], rtol=1e-5, atol=1e-5)


# --- 2. non-finite float attributes ----------------------------------------------------------------

INF, NAN = math.inf, math.nan
NONFINITE = [
    ("LayerNormalization", {"epsilon": INF, "axis": -1}, [[2, 3, 4], [4], [4]]),
    ("LayerNormalization", {"epsilon": NAN, "axis": -1}, [[2, 3, 4], [4], [4]]),
    ("LRN", {"size": 3, "bias": INF}, [[1, 4, 3, 3]]),
    ("LRN", {"size": 3, "beta": INF}, [[1, 4, 3, 3]]),
    ("Gemm", {"alpha": INF}, [[3, 4], [4, 5]]),
    ("Gemm", {"alpha": 0.5, "beta": -INF}, [[3, 4], [4, 5], [5]]),
    ("LeakyRelu", {"alpha": NAN}, [[3, 4]]),
    ("Elu", {"alpha": -INF}, [[3, 4]]),
    ("HardSigmoid", {"alpha": INF, "beta": NAN}, [[3, 4]]),
    ("Clip", {}, [[3, 4]]),  # min -inf / max inf given as initializers, below
]


@pytest.mark.parametrize("provider", [NUMBA, CPU, TRITON])
@pytest.mark.parametrize("op,attrs,shapes", NONFINITE, ids=[f"{c[0]}-{sorted(c[1].items())}" for c in NONFINITE])
def test_nonfinite_float_attributes(op, attrs, shapes, provider, monkeypatch):
    """inf/nan attributes were pasted into generated code with repr: NameError 'inf'."""
    if provider == TRITON:
        _triton_or_skip(monkeypatch)
    inputs = [f"x{i}" for i in range(len(shapes))]
    inits = []
    if op == "Clip":
        inits = [numpy_helper.from_array(np.array(-INF, np.float32), "lo"),
                 numpy_helper.from_array(np.array(INF, np.float32), "hi")]
        inputs += ["lo", "hi"]
    model = _model([helper.make_node(op, inputs, ["y"], **attrs)], [_vi(f"x{i}", s) for i, s in enumerate(shapes)],
                   [_vi("y", None)], inits)
    rng = np.random.default_rng(2)
    feeds = {f"x{i}": rng.standard_normal(s).astype(np.float32) for i, s in enumerate(shapes)}
    got = onnxjit.InferenceSession(model.SerializeToString(), providers=[provider, CPU]).run(None, feeds)[0]
    want = _oracle(model, feeds)[0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, equal_nan=True)


def test_float_literals_round_trip():
    """One function prints every float of generated code: exact for float32 and float64 values,
    names for the non-finite ones."""
    from onnxjit.compiler.codegen.exprs import float_text, literal, triton_literal

    ns = {"np": np, "math": math}
    for v in (0.1, float(np.float32(0.1)), 1e-300, -0.0, 3.4028234663852886e38, 5e-324):
        assert eval(float_text(v), ns) == v and math.copysign(1, eval(float_text(v), ns)) == math.copysign(1, v)
        assert eval(literal(v, np.float64), ns) == np.float64(v)
        assert eval(literal(v, np.float32), ns) == np.float32(v)
    assert eval(float_text(INF), ns) == INF and eval(float_text(-INF), ns) == -INF
    assert math.isnan(eval(float_text(NAN), ns))
    assert eval(literal(-INF, np.float32), ns) == -INF
    assert float_text(INF, "triton") == "_INF" and float_text(-INF, "triton") == "_NINF"
    assert float_text(NAN, "triton") == "math.nan" and "math.nan" in triton_literal(NAN, np.float32)


# --- 3. untyped errors at load ---------------------------------------------------------------------

def _with_attr(op: str, inputs: list[str], name: str, value) -> onnx.NodeProto:
    node = helper.make_node(op, inputs, ["y"])
    node.attribute.append(helper.make_attribute(name, value))
    return node


BAD_ATTRIBUTES = [
    ("Gemm", ["a", "b"], [[3, 4], [4, 5]], "transA", "yes"),       # INT given as STRING
    ("Gemm", ["a", "b"], [[3, 4], [4, 5]], "alpha", [1.0, 2.0]),   # FLOAT given as FLOATS
    ("Softmax", ["a"], [[3, 4]], "axis", [1.5, 2.0]),              # INT given as FLOATS
    ("Transpose", ["a"], [[3, 4]], "perm", "10"),                  # INTS given as STRING
    ("Transpose", ["a"], [[3, 4]], "perm", [1.0, 0.0]),            # INTS given as FLOATS
    ("Conv", ["a", "b"], [[1, 1, 5, 5], [1, 1, 3, 3]], "group", 1.0),
    ("Conv", ["a", "b"], [[1, 1, 5, 5], [1, 1, 3, 3]], "pads", "x"),
    ("ReduceSum", ["a"], [[3, 4]], "keepdims", "x"),
    ("LeakyRelu", ["a"], [[3, 4]], "alpha", "x"),
    ("Cast", ["a"], [[3]], "to", "float"),
]
PROVIDERS = [NUMBA, CPU]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("op,inputs,shapes,name,value", BAD_ATTRIBUTES,
                         ids=[f"{c[0]}-{c[3]}-{type(c[4]).__name__}" for c in BAD_ATTRIBUTES])
def test_wrong_attribute_type_is_invalid_graph(op, inputs, shapes, name, value, provider):
    """onnxruntime refuses these at load (INVALID_GRAPH); they used to load and fail in a kernel, or
    raise TypeError/ValueError."""
    model = _model([_with_attr(op, inputs, name, value)], [_vi(n, s) for n, s in zip(inputs, shapes)],
                   [_vi("y", None)])
    with pytest.raises(ort.capi.onnxruntime_pybind11_state.InvalidGraph):
        ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    with pytest.raises(onnxjit.InvalidGraph, match=f"{op}.*{name}"):
        onnxjit.InferenceSession(model.SerializeToString(), providers=[provider, CPU])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wrong_attribute_type_inside_a_subgraph(provider):
    """The node checker reaches into If branches too (onnxruntime checks them when it resolves them)."""
    bad = _with_attr("LeakyRelu", ["x"], "alpha", "x")
    bad.output[0] = "t"
    then_g = helper.make_graph([bad], "then", [], [_vi("t", None)])
    else_g = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [], [_vi("e", None)])
    model = _model([helper.make_node("If", ["b"], ["y"], then_branch=then_g, else_branch=else_g)],
                   [_vi("b", [], TensorProto.BOOL), _vi("x", [3])], [_vi("y", None)])
    with pytest.raises(onnxjit.InvalidGraph, match="alpha"):
        onnxjit.InferenceSession(model.SerializeToString(), providers=[provider, CPU])


def test_attribute_kind_checked_when_the_op_is_built():
    """Ops onnx has no schema for (or nodes the checker skips) still get their attributes' kinds
    checked against the op's declared defaults when the op is built."""
    from onnxjit.compiler.ir import Node
    from onnxjit.compiler.ops.registry import lookup

    gemm = lookup("", "Gemm", 17)
    with pytest.raises(onnxjit.InvalidGraph, match="transA"):
        gemm(Node("Gemm", ["a", "b"], ["y"], {"transA": "yes"}, name="g"), 17)
    with pytest.raises(onnxjit.InvalidGraph, match="alpha"):
        gemm(Node("Gemm", ["a", "b"], ["y"], {"alpha": [1.0]}, name="g"), 17)
    assert gemm(Node("Gemm", ["a", "b"], ["y"], {"alpha": 2, "transA": 1}, name="g"), 17).a.alpha == 2


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("to", [999, -1, 0])
def test_cast_to_unknown_type_is_an_onnxjit_error(to, provider):
    """onnxruntime refuses 999 and -1 at load, 0 (UNDEFINED) when it runs; a ValueError leaked before."""
    model = _model([helper.make_node("Cast", ["a"], ["y"], to=to)], [_vi("a", [3])], [_vi("y", None)])
    with pytest.raises(Exception):
        ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"a": np.ones(3, np.float32)})
    with pytest.raises(onnxjit.OnnxJitError):
        onnxjit.InferenceSession(model.SerializeToString(), providers=[provider, CPU])


def _external_model(tmp_path, info: dict[str, str]) -> str:
    (tmp_path / "w.bin").write_bytes(np.arange(12, dtype=np.float32).tobytes())
    t = numpy_helper.from_array(np.zeros(3, np.float32), "c")
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    for k, v in info.items():
        t.external_data.add(key=k, value=v)
    model = _model([helper.make_node("Add", ["x", "c"], ["y"])], [_vi("x", [3])], [_vi("y", [3])], [t])
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    return str(path)


@pytest.mark.parametrize("info", [
    {"offset": "-4", "length": "12"}, {"offset": "40", "length": "12"}, {"length": str(2 ** 62)},
    {"offset": str(2 ** 62)}, {"offset": str(2 ** 70)}, {"offset": "x"}, {"length": "-1"}, {"length": "8"},
    {"offset": "1e3"}, {"location": "w.bin\0.txt"},
], ids=lambda d: ",".join(f"{k}={v[:12]!r}" for k, v in d.items()))
def test_bad_external_data_offsets_and_lengths(tmp_path, info):
    """Negative, non-numeric, past-the-file or huge offsets/lengths: OSError, ValueError or MemoryError
    before; now InvalidGraph, checked against the file size before anything is read."""
    path = _external_model(tmp_path, {"location": "w.bin", **info})
    with pytest.raises(onnxjit.InvalidGraph):
        onnxjit.InferenceSession(path, providers=[CPU])


def test_external_data_without_length_reads_the_tensor_size(tmp_path):
    """As onnxruntime: no length means the tensor's own size, from the offset."""
    path = _external_model(tmp_path, {"location": "w.bin", "offset": "4"})
    x = np.ones(3, np.float32)
    got = onnxjit.InferenceSession(path, providers=[CPU]).run(None, {"x": x})[0]
    want = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, [2, 3, 4])


def test_untyped_error_inside_the_build_becomes_an_onnxjit_error(monkeypatch):
    """The build boundary: whatever a pass or a provider raises leaves as an onnxjit error, except
    KeyboardInterrupt (and SystemExit), which must go through untouched."""
    from onnxjit.runtime import session as session_module

    model = _model([helper.make_node("Relu", ["x"], ["y"])], [_vi("x", [3])], [_vi("y", [3])])
    for exc, expected in ((MemoryError(), onnxjit.Fail), (RecursionError("deep"), onnxjit.Fail),
                          (TypeError("bad"), onnxjit.Fail), (KeyboardInterrupt(), KeyboardInterrupt)):
        def boom(*args, _exc=exc, **kwargs):
            raise _exc
        monkeypatch.setattr(session_module, "optimize", boom)
        with pytest.raises(expected):
            onnxjit.InferenceSession(model.SerializeToString(), providers=[CPU])


# --- 4. type checking ----------------------------------------------------------------------------

MISMATCHED = {
    "add float+int64 inputs": _model([helper.make_node("Add", ["a", "b"], ["y"])],
                                     [_vi("a", [3]), _vi("b", [3], I64)], [_vi("y", [3])]),
    "add float+int64 initializer": _model([helper.make_node("Add", ["a", "c"], ["y"])], [_vi("a", [3])],
                                          [_vi("y", [3])], [numpy_helper.from_array(np.arange(3), "c")]),
    "matmul float@int32 initializer": _model(
        [helper.make_node("MatMul", ["a", "c"], ["y"])], [_vi("a", [3, 3])], [_vi("y", [3, 3])],
        [numpy_helper.from_array(np.ones((3, 3), np.int32), "c")]),
    "relu of uint64 (not in T)": _model([helper.make_node("Relu", ["a"], ["y"])],
                                      [_vi("a", [3], TensorProto.UINT64)], [_vi("y", [3], TensorProto.UINT64)]),
    "declared output type": _model([helper.make_node("Add", ["a", "b"], ["y"])], [_vi("a", [3]), _vi("b", [3])],
                                   [_vi("y", [3], I64)]),
    "initializer vs its input declaration": _model(
        [helper.make_node("Add", ["a", "c"], ["y"])], [_vi("a", [3]), _vi("c", [3])], [_vi("y", [3])],
        [numpy_helper.from_array(np.arange(3), "c")]),
    "where condition float": _model([helper.make_node("Where", ["a", "a", "a"], ["y"])], [_vi("a", [3])],
                                    [_vi("y", [3])]),
}


@pytest.mark.parametrize("provider", [NUMBA, CPU, TRITON])
@pytest.mark.parametrize("case", list(MISMATCHED))
def test_type_mismatch_is_refused_at_load(case, provider, monkeypatch):
    """onnxruntime: 'Type parameter (T) of Optype (Add) bound to different types'; here InvalidGraph
    at load on every provider (Numba used to fail typing the kernel, or compute garbage)."""
    if provider == TRITON:
        _triton_or_skip(monkeypatch)
    model = MISMATCHED[case]
    with pytest.raises(Exception, match="Type"):
        ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    with pytest.raises(onnxjit.InvalidGraph, match="Type"):
        onnxjit.InferenceSession(model.SerializeToString(), providers=[provider, CPU])


def _valid_models() -> dict[str, tuple[onnx.ModelProto, dict]]:
    """Graphs a type checker could wrongly refuse: optional inputs, variadic inputs, subgraphs reading
    outer values, sequences, optionals, other domains, a model-local function."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3)).astype(np.float32)
    out = {}
    out["clip with a missing min"] = (_model(
        [helper.make_node("Clip", ["x", "", "hi"], ["y"])], [_vi("x", [2, 3])], [_vi("y", [2, 3])],
        [numpy_helper.from_array(np.array(0.5, np.float32), "hi")]), {"x": x})
    out["variadic concat and sum, mixed index types"] = (_model(
        [helper.make_node("Concat", ["x", "x", "x"], ["c"], axis=0), helper.make_node("Sum", ["c", "c"], ["s"]),
         helper.make_node("Gather", ["s", "i"], ["g"], axis=0), helper.make_node("Gather", ["g", "j"], ["y"], axis=0)],
        [_vi("x", [2, 3])], [_vi("y", None)],
        [numpy_helper.from_array(np.array([0, 3], np.int32), "i"), numpy_helper.from_array(np.array([1], np.int64), "j")]),
        {"x": x})
    then_g = helper.make_graph([helper.make_node("Add", ["x", "x"], ["t"])], "then", [], [_vi("t", None)])
    else_g = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [], [_vi("e", None)])
    out["if reading an outer value"] = (_model(
        [helper.make_node("ReduceSum", ["x"], ["r"], keepdims=0), helper.make_node("Greater", ["r", "z"], ["b"]),
         helper.make_node("If", ["b"], ["y"], then_branch=then_g, else_branch=else_g)],
        [_vi("x", [2, 3])], [_vi("y", None)], [numpy_helper.from_array(np.array(0, np.float32), "z")]), {"x": x})
    out["sequence ops"] = (_model(
        [helper.make_node("SequenceConstruct", ["x", "x"], ["s"]),
         helper.make_node("SequenceInsert", ["s", "x"], ["s2"]),
         helper.make_node("ConcatFromSequence", ["s2"], ["y"], axis=0)],
        [_vi("x", [2, 3])], [_vi("y", None)]), {"x": x})
    out["optional ops"] = (_model(
        [helper.make_node("Optional", ["x"], ["o"]), helper.make_node("OptionalHasElement", ["o"], ["h"]),
         helper.make_node("OptionalGetElement", ["o"], ["g"]), helper.make_node("Cast", ["h"], ["hf"], to=1),
         helper.make_node("Add", ["g", "hf"], ["y"])],
        [_vi("x", [2, 3])], [_vi("y", None)], opset=18), {"x": x})
    ms = _model([helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"], domain="com.microsoft")],
                [_vi("x", [2, 3])], [_vi("y", None, TensorProto.UINT8)],
                [numpy_helper.from_array(np.array(0.05, np.float32), "s"),
                                                     numpy_helper.from_array(np.array(128, np.uint8), "z")])
    ms.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    out["com.microsoft op"] = (ms, {"x": x})
    ml = _model([helper.make_node("Normalizer", ["x"], ["y"], domain="ai.onnx.ml", norm="L2")],
                [_vi("x", [2, 3])], [_vi("y", None)])
    ml.opset_import.append(helper.make_opsetid("ai.onnx.ml", 3))
    out["ai.onnx.ml op"] = (ml, {"x": x})
    fn = helper.make_function("local", "Scaled", ["a", "b"], ["c"],
                              [helper.make_node("Mul", ["a", "b"], ["m"]), helper.make_node("Add", ["m", "a"], ["c"])],
                              [helper.make_opsetid("", 17)])
    lf = _model([helper.make_node("Scaled", ["x", "x"], ["y"], domain="local")], [_vi("x", [2, 3])], [_vi("y", None)])
    lf.opset_import.append(helper.make_opsetid("local", 1))
    lf.functions.append(fn)
    out["model-local function"] = (lf, {"x": x})
    return out


VALID = _valid_models()


@pytest.mark.parametrize("provider", [NUMBA, CPU])
@pytest.mark.parametrize("case", list(VALID))
def test_type_check_accepts_valid_graphs(case, provider):
    model, feeds = VALID[case]
    want = _oracle(model, feeds)
    got = onnxjit.InferenceSession(model.SerializeToString(), providers=[provider, CPU]).run(None, feeds)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
