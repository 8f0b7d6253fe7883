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
NUMBA, CPU, TRITON = "NumbaExecutionProvider", "CPUExecutionProvider", "TritonExecutionProvider"


def _model(nodes, inputs, outputs, inits=(), opset=17, ir_version=8) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=ir_version)


def _vi(name, shape, dtype=F):
    return helper.make_tensor_value_info(name, dtype, shape)


def _oracle(model: onnx.ModelProto, feeds: dict) -> list[np.ndarray]:
    return ort.InferenceSession(model.SerializeToString(), providers=[CPU]).run(None, feeds)


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
