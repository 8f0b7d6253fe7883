"""Untrusted shapes (issue 14): compiled kernels never size themselves from declared shapes, weight
shapes that disagree with their inputs are rejected before a kernel runs, short normalisation params
broadcast as onnxruntime does (or are refused), and onnx's shape inference cannot abort the process.

Models that crashed (SIGSEGV, heap corruption, abort) run in a child process, so a regression fails the
test instead of killing pytest; onnxruntime's CPU provider is the oracle.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

ort = pytest.importorskip("onnxruntime")

import onnxjit  # noqa: E402

F, I64 = TensorProto.FLOAT, TensorProto.INT64
NUMBA, CPU, TRITON = "NumbaExecutionProvider", "ReferenceExecutionProvider", "TritonExecutionProvider"
ROOT = Path(__file__).resolve().parent.parent

# Runs each (model, feeds) case with onnxjit in this child and writes the outputs or the error class.
RUNNER = textwrap.dedent('''
    import json, sys, warnings
    import numpy as np
    import onnxjit
    warnings.simplefilter("ignore")
    cases = json.loads(sys.argv[1])
    for case in cases:
        res = {"name": case["name"]}
        try:
            s = onnxjit.InferenceSession(case["model"], providers=case["providers"])
            feeds = dict(np.load(case["feeds"]))
            outs = s.run(None, feeds)
            np.savez(case["out"], *outs)
            res["ok"] = True
        except onnxjit.OnnxJitError as e:
            res["ok"], res["error"], res["msg"] = False, type(e).__name__, str(e)[:300]
        except Exception as e:
            res["ok"], res["error"], res["msg"] = False, "untyped:" + type(e).__name__, str(e)[:300]
        print("RESULT " + json.dumps(res), flush=True)
''')


def _model(nodes, inputs, outputs, inits=(), value_info=(), opset=17) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits), value_info=list(value_info))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def _vi(name, shape, dtype=F):
    return helper.make_tensor_value_info(name, dtype, shape)


def _oracle(model: onnx.ModelProto, feeds: dict) -> list[np.ndarray] | str:
    try:
        sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        return sess.run(None, feeds)
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__


def run_isolated(tmp_path: Path, cases: list[tuple[str, onnx.ModelProto, dict]], providers: list[str],
                 env: dict | None = None, timeout: int = 900) -> dict[str, dict]:
    """Run every case with onnxjit in one child process; {name: result} with 'outs' where it ran.
    A child that dies (signal, abort) fails the test, naming the case it was on."""
    import os

    specs = []
    for name, model, feeds in cases:
        mpath, fpath, opath = tmp_path / f"{name}.onnx", tmp_path / f"{name}_in.npz", tmp_path / f"{name}_out.npz"
        mpath.write_bytes(model.SerializeToString())
        np.savez(fpath, **feeds)
        specs.append({"name": name, "model": str(mpath), "feeds": str(fpath), "out": str(opath), "providers": providers})
    child_env = dict(os.environ, **(env or {}))
    proc = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(specs)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=child_env)
    results = {}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            r = json.loads(line[7:])
            if r["ok"]:
                with np.load(tmp_path / f"{r['name']}_out.npz") as z:
                    r["outs"] = [z[f"arr_{k}"] for k in range(len(z.files))]
            results[r["name"]] = r
    if proc.returncode != 0:
        pending = [c[0] for c in cases if c[0] not in results]
        pytest.fail(f"onnxjit's child process died (rc={proc.returncode}) on case {pending[:1]}: {proc.stderr[-2000:]}")
    return results


def assert_matches_oracle(results: dict[str, dict], cases, rtol=1e-4, atol=1e-5) -> None:
    for name, model, feeds in cases:
        r = results[name]
        expected = _oracle(model, feeds)
        assert isinstance(expected, list), f"{name}: onnxruntime rejects it ({expected})"
        assert r["ok"], f"{name}: onnxjit failed: {r.get('error')}: {r.get('msg')}"
        assert len(r["outs"]) == len(expected)
        for e, g in zip(expected, r["outs"]):
            assert g.shape == e.shape and g.dtype == e.dtype, f"{name}: {g.shape} {g.dtype} vs {e.shape} {e.dtype}"
            np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=name)


# --- 1. declared intermediate / output shapes are never trusted ----------------------------------------

def _gather_relu(value_info_shape, output_shape, extra_nodes=False) -> onnx.ModelProto:
    """x[3,4] -> Gather(idx [[3,0,2]], axis=1) -> [3,1,3] -> Relu -> y, with the given declared shapes."""
    nodes = [helper.make_node("Gather", ["x", "idx"], ["g"], axis=1), helper.make_node("Relu", ["g"], ["r"])]
    if extra_nodes:  # an elementwise chain and a reduction after it: fused groups sized from the domain
        nodes += [helper.make_node("Add", ["r", "g"], ["a"]), helper.make_node("ReduceSum", ["a"], ["y"], keepdims=1)]
    else:
        nodes[-1].output[0] = "y"
    vi = [_vi("g", value_info_shape)] if value_info_shape is not None else []
    if extra_nodes and value_info_shape is not None:
        vi += [_vi("r", value_info_shape), _vi("a", value_info_shape)]
    return _model(nodes, [_vi("x", [3, 4])], [_vi("y", output_shape)],
                  [numpy_helper.from_array(np.array([[3, 0, 2]], np.int64), "idx")], vi)


DECLARED_CASES = [
    ("vi_wrong_out_right", [3, 3], [3, 1, 3], False),
    ("vi_none_out_wrong", None, [3, 3], False),
    ("vi_wrong_out_wrong", [3, 3], [3, 3], False),
    ("vi_wrong_out_none", [3, 3], None, False),
    ("vi_big_out_big", [5, 5, 5], [5, 5, 5], False),
    ("vi_symbolic", ["a", "b"], ["c"], False),
    ("chain_vi_wrong", [3, 3], [3, 3], True),
    ("chain_vi_bigger", [30, 40, 50], [1, 1, 1], True),
]


def _declared_cases():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    return [(name, _gather_relu(vi, out, extra), {"x": x}) for name, vi, out, extra in DECLARED_CASES]


def test_declared_shapes_not_trusted_numba(tmp_path):
    cases = _declared_cases()
    assert_matches_oracle(run_isolated(tmp_path, cases, [NUMBA]), cases)


def test_declared_shapes_not_trusted_triton(tmp_path):
    pytest.importorskip("triton")
    pytest.importorskip("torch")
    cases = _declared_cases()
    assert_matches_oracle(run_isolated(tmp_path, cases, [TRITON, CPU], env={"TRITON_INTERPRET": "1"}), cases)


def test_declared_shapes_cpu_provider():
    for name, model, feeds in _declared_cases():
        got = onnxjit.InferenceSession(model.SerializeToString(), providers=[CPU]).run(None, feeds)
        for e, g in zip(_oracle(model, feeds), got):
            np.testing.assert_allclose(g, e, rtol=1e-6, err_msg=name)


def test_output_nodearg_merges_declared_shape_like_onnxruntime():
    """The plan ignores declared output shapes; NodeArg still reports them as onnxruntime merges them."""
    cases = [([2, 3], ["N", 3]), (["N", 3], [5, 3]), (["N", 3], ["M", 3]), ([None, 3], ["M", 3]),
             ([2, 3], [2, 4]), ([2, 3], [3]), ([2, 3], None), (["N", 3], [None, None]), ([2, 3], [-1, 3])]
    for xshape, yshape in cases:
        m = _model([helper.make_node("Relu", ["x"], ["y"])], [_vi("x", xshape)], [_vi("y", yshape)])
        data = m.SerializeToString()
        want = [o.shape for o in ort.InferenceSession(data, providers=["CPUExecutionProvider"]).get_outputs()]
        got = [o.shape for o in onnxjit.InferenceSession(data, providers=[NUMBA]).get_outputs()]
        assert got == want, (xshape, yshape)


def test_inputs_disagreeing_on_a_dim_param_are_refused_not_misread():
    """x['N'] + y['N'] fed 300000 and 1: onnxruntime broadcasts; the compiled plan read y linearly over
    the domain (out of bounds). It must either compute the right result or refuse with an onnxjit error."""
    m = _model([helper.make_node("Add", ["x", "y"], ["s"]), helper.make_node("Relu", ["s"], ["z"])],
               [_vi("x", ["N"]), _vi("y", ["N"])], [_vi("z", ["N"])])
    sess = onnxjit.InferenceSession(m.SerializeToString(), providers=[NUMBA])
    x = np.arange(300000, dtype=np.float32)
    y = np.ones(1, np.float32)
    for feeds in ({"x": x, "y": y}, {"x": y, "y": x}):
        try:
            got = sess.run(None, feeds)[0]
        except onnxjit.InvalidArgument as exc:
            assert "'N'" in str(exc)
        else:
            np.testing.assert_allclose(got, np.maximum(x + 1, 0))
    ok = sess.run(None, {"x": x, "y": x})[0]  # consistent feeds still run compiled
    np.testing.assert_allclose(ok, 2 * x)


# --- 4. onnx's shape inference cannot take the process down ---------------------------------------------

def _slice_model(x_shape) -> onnx.ModelProto:
    inits = [numpy_helper.from_array(np.array([0], np.int64), "s"), numpy_helper.from_array(np.array([2], np.int64), "e")]
    return _model([helper.make_node("Slice", ["x", "s", "e"], ["y"])], [_vi("x", x_shape)], [_vi("y", None)], inits)


def _pad_then_slice() -> onnx.ModelProto:
    """Pad with pads that crop past the dim: onnx infers a negative dim, and Slice's inference aborts on it."""
    c = lambda n, v: numpy_helper.from_array(np.array(v, np.int64), n)  # noqa: E731
    return _model([helper.make_node("Pad", ["x", "p"], ["t"]), helper.make_node("Slice", ["t", "s", "e"], ["y"])],
                  [_vi("x", [3, 4])], [_vi("y", None)], [c("p", [-5, 0, -5, 0]), c("s", [0]), c("e", [2])])


def test_negative_declared_dim_is_unknown_like_onnxruntime(tmp_path):
    """[-1, 4] declared input: onnx's Slice inference aborted the process (std::clamp assertion);
    onnxruntime reads -1 as an unknown dim and runs."""
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    cases = [("neg1", _slice_model([-1, 4]), {"x": x}), ("neg5", _slice_model([-5, 4]), {"x": x}),
             ("int64min", _slice_model([np.iinfo(np.int64).min, 4]), {"x": x})]
    for providers in ([NUMBA], [CPU]):
        assert_matches_oracle(run_isolated(tmp_path, cases, providers), cases)
    sess = onnxjit.InferenceSession(cases[0][1].SerializeToString(), providers=[NUMBA])
    assert [i.shape for i in sess.get_inputs()] == [[None, 4]]


def test_inferred_negative_dim_does_not_abort(tmp_path):
    """A negative dim onnx's inference computes itself (Pad cropping past the edge) reaches Slice's
    inference: the session either loads or refuses with an onnxjit error; the process survives.
    (onnxruntime itself aborts on this model, in the same onnx inference code: no oracle here.)"""
    x = np.ones((3, 4), np.float32)
    results = run_isolated(tmp_path, [("pad_slice", _pad_then_slice(), {"x": x})], [NUMBA])
    r = results["pad_slice"]
    assert r["ok"] or not r["error"].startswith("untyped"), r


# --- 2. weights and shapes that disagree are refused before a kernel runs ---------------------------------

REJECTED = {"InvalidGraph", "InvalidArgument", "Fail", "RuntimeException"}


def _conv(x_shape, w_shape, b_len=None, x_decl=None, **attrs):
    rng = np.random.default_rng(1)
    ins = ["x", "w"] + (["b"] if b_len is not None else [])
    inits = [numpy_helper.from_array(rng.standard_normal(w_shape).astype(np.float32), "w")]
    if b_len is not None:
        inits.append(numpy_helper.from_array(np.ones(b_len, np.float32), "b"))
    m = _model([helper.make_node("Conv", ins, ["y"], **attrs)], [_vi("x", x_decl if x_decl is not None else x_shape)],
               [_vi("y", None)], inits)
    return m, {"x": rng.standard_normal(x_shape).astype(np.float32)}


def _binary(op, a_shape, b_shape, a_decl, b_decl, **attrs):
    rng = np.random.default_rng(2)
    m = _model([helper.make_node(op, ["a", "b"], ["y"], **attrs)], [_vi("a", a_decl), _vi("b", b_decl)], [_vi("y", None)])
    return m, {"a": rng.standard_normal(a_shape).astype(np.float32), "b": rng.standard_normal(b_shape).astype(np.float32)}


def _bad_shape_cases():
    gemm_c = _model([helper.make_node("Gemm", ["a", "b", "c"], ["y"])], [_vi("a", ["M", "K"]), _vi("b", ["K", "N"]),
                                                                          _vi("c", ["P"])], [_vi("y", None)])
    rng = np.random.default_rng(3)
    gather = _model([helper.make_node("Gather", ["x", "i"], ["y"], axis=1)], [_vi("x", ["A", "B"]), _vi("i", ["K"], I64)],
                    [_vi("y", None)])
    pool = _model([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[5, 5])], [_vi("x", [1, 1, "H", "W"])],
                  [_vi("y", None)])
    return [
        # conv: static mismatches (load) and run-time ones (bind)
        ("conv_channels", *_conv([1, 3, 8, 8], [4, 2, 3, 3])),
        ("conv_c65536", *_conv([1, 65536, 4, 4], [4, 1, 3, 3])),
        ("conv_channels_dynamic", *_conv([1, 64, 4, 4], [4, 1, 3, 3], x_decl=["N", "C", "H", "W"])),
        ("conv_group_not_dividing", *_conv([1, 4, 8, 8], [3, 2, 3, 3], group=2)),
        ("conv_group_zero", *_conv([1, 4, 8, 8], [4, 4, 3, 3], group=0)),
        ("conv_bias_short", *_conv([1, 3, 8, 8], [4, 3, 3, 3], b_len=2)),
        ("conv_kernel_shape_attr", *_conv([1, 3, 8, 8], [4, 3, 3, 3], kernel_shape=[5, 5])),
        ("conv_kernel_bigger_than_input", *_conv([1, 3, 2, 2], [4, 3, 3, 3], x_decl=[1, 3, "H", "W"])),
        ("conv_strides_length", *_conv([1, 3, 8, 8], [4, 3, 3, 3], strides=[1, 1, 1])),
        # other skeletons: inner dims, broadcasts, other dims, data indices, windows
        ("matmul_inner", *_binary("MatMul", (4, 5), (3, 6), ["M", "K"], ["K2", "N"])),
        ("gemm_inner", *_binary("Gemm", (4, 5), (3, 6), ["M", "K"], ["K2", "N"])),
        ("gemm_c_broadcast", gemm_c, {"a": rng.standard_normal((4, 5)).astype(np.float32),
                                      "b": rng.standard_normal((5, 6)).astype(np.float32),
                                      "c": rng.standard_normal(3).astype(np.float32)}),
        ("concat_other_dims", *_binary("Concat", (2, 3), (2, 50), ["A", "B"], ["C", "D"], axis=0)),
        ("gather_index_data", gather, {"x": np.ones((2, 3), np.float32), "i": np.array([0, 100000], np.int64)}),
        ("pool_window_too_big", pool, {"x": np.ones((1, 1, 3, 3), np.float32)}),
    ]


def _assert_rejected(results, cases):
    for name, model, feeds in cases:
        r = results[name]
        assert not isinstance(_oracle(model, feeds), list), f"{name}: onnxruntime accepts it"
        assert not r["ok"], f"{name}: onnxjit accepted a model onnxruntime rejects"
        assert r["error"] in REJECTED, f"{name}: {r['error']}: {r['msg']}"


def test_bad_weight_and_operand_shapes_rejected_numba(tmp_path):
    cases = _bad_shape_cases()
    results = run_isolated(tmp_path, cases, [NUMBA])
    _assert_rejected(results, cases)
    # where the shapes are static the plan refuses the model when the session is created
    for name in ("conv_channels", "conv_c65536", "conv_group_not_dividing", "conv_group_zero", "conv_bias_short",
                 "conv_kernel_shape_attr"):
        assert results[name]["error"] == "InvalidGraph", results[name]
    assert results["conv_channels_dynamic"]["error"] == "Fail"
    assert results["matmul_inner"]["error"] == "Fail"


def test_bad_weight_and_operand_shapes_rejected_triton(tmp_path):
    pytest.importorskip("triton")
    pytest.importorskip("torch")
    cases = [c for c in _bad_shape_cases() if c[0] != "gather_index_data"]  # Triton masks bad indices (reads 0)
    results = run_isolated(tmp_path, cases, [TRITON, CPU], env={"TRITON_INTERPRET": "1"})
    _assert_rejected(results, cases)


def test_bad_shapes_cpu_provider_typed_errors():
    for name, model, feeds in _bad_shape_cases():
        if name == "conv_c65536":
            continue  # slow on the reference kernel; same path as conv_channels
        with pytest.raises(onnxjit.OnnxJitError):
            onnxjit.InferenceSession(model.SerializeToString(), providers=[CPU]).run(None, feeds)


def test_valid_convs_still_compile_and_match(tmp_path):
    cases = [("conv_ok", *_conv([1, 3, 8, 8], [4, 3, 3, 3], b_len=4, pads=[1, 1, 1, 1])),
             ("conv_ok_group", *_conv([2, 4, 8, 8], [6, 2, 3, 3], b_len=6, group=2, strides=[2, 2])),
             ("conv_ok_dynamic", *_conv([2, 4, 9, 7], [4, 4, 3, 3], b_len=4, x_decl=["N", 4, "H", "W"]))]
    assert_matches_oracle(run_isolated(tmp_path, cases, [NUMBA]), cases, rtol=1e-4, atol=1e-4)
    sess = onnxjit.InferenceSession(cases[2][1].SerializeToString(), providers=[NUMBA])
    assert [s.op for s in sess.executable.plan.steps] == ["conv"]


def test_gather_index_out_of_range_numba_in_process():
    """Index data out of range raises InvalidArgument (the kernel checks each index), as onnxruntime's Gather does."""
    m = _model([helper.make_node("Gather", ["x", "i"], ["y"], axis=1)], [_vi("x", ["A", "B"]), _vi("i", ["K"], I64)],
               [_vi("y", None)])
    sess = onnxjit.InferenceSession(m.SerializeToString(), providers=[NUMBA])
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(sess.run(None, {"x": x, "i": np.array([2, -1], np.int64)})[0], x[:, [2, -1]])
    for bad in ([0, 3], [-4]):
        with pytest.raises(onnxjit.InvalidArgument, match="out of data bounds"):
            sess.run(None, {"x": x, "i": np.array(bad, np.int64)})


# --- 3. normalisation params that broadcast ---------------------------------------------------------------

def _layernorm(scale_shape, bias_shape, axis=-1, x_shape=(2, 3, 4)):
    rng = np.random.default_rng(4)
    inits = [numpy_helper.from_array(rng.standard_normal(scale_shape).astype(np.float32), "s")]
    ins = ["x", "s"]
    if bias_shape is not None:
        inits.append(numpy_helper.from_array(rng.standard_normal(bias_shape).astype(np.float32), "b"))
        ins.append("b")
    m = _model([helper.make_node("LayerNormalization", ins, ["y"], axis=axis)], [_vi("x", ["A", "B", "C"])],
               [_vi("y", None)], inits)
    return m, {"x": rng.standard_normal(x_shape).astype(np.float32)}


def _layernorm_cases():
    out = []
    for tag, s, b, axis in [("s1_b1", (1,), (1,), -1), ("scalar", (), (), -1), ("s1_nobias", (1,), None, -1),
                            ("s4_b1", (4,), (1,), -1), ("s1_b4", (1,), (4,), -1), ("s14", (1, 4), (1, 4), -1),
                            ("s31_axis1", (3, 1), (3, 1), 1), ("s4_axis1", (4,), (4,), 1), ("s1_axis1", (1,), (1,), 1),
                            ("exact", (4,), (4,), -1), ("exact_axis1", (3, 4), (3, 4), 1)]:
        out.append((f"ln_{tag}", *_layernorm(s, b, axis)))
    return out


def test_layernorm_broadcast_params_numba(tmp_path):
    cases = _layernorm_cases()
    assert_matches_oracle(run_isolated(tmp_path, cases, [NUMBA]), cases, rtol=1e-4, atol=1e-4)


def test_layernorm_broadcast_params_triton(tmp_path):
    pytest.importorskip("triton")
    pytest.importorskip("torch")
    cases = _layernorm_cases()
    assert_matches_oracle(run_isolated(tmp_path, cases, [TRITON, CPU], env={"TRITON_INTERPRET": "1"}), cases,
                          rtol=1e-4, atol=1e-4)


def test_layernorm_params_cpu_provider():
    for name, model, feeds in _layernorm_cases():
        got = onnxjit.InferenceSession(model.SerializeToString(), providers=[CPU]).run(None, feeds)[0]
        np.testing.assert_allclose(got, _oracle(model, feeds)[0], rtol=1e-4, atol=1e-4, err_msg=name)


def test_layernorm_exact_params_stay_compiled_and_bad_ones_are_refused():
    m, feeds = _layernorm((4,), (4,))
    sess = onnxjit.InferenceSession(m.SerializeToString(), providers=[NUMBA])
    assert [s.op for s in sess.executable.plan.steps] == ["layernorm"]  # the fused kernel, not the host
    np.testing.assert_allclose(sess.run(None, feeds)[0], _oracle(m, feeds)[0], rtol=1e-4, atol=1e-4)
    # the compiled kernel reads one scale element per normalised element: other sizes are refused at bind
    with pytest.raises(onnxjit.InvalidArgument, match="broadcastable"):
        sess.run(None, {"x": np.ones((2, 3, 5), np.float32)})
    m2, feeds2 = _layernorm((2,), (2,))  # broadcasts to nothing: onnxruntime refuses it too
    assert not isinstance(_oracle(m2, feeds2), list)
    with pytest.raises(onnxjit.OnnxJitError):
        onnxjit.InferenceSession(m2.SerializeToString(), providers=[NUMBA]).run(None, feeds2)


@pytest.mark.parametrize("op,scale", [("InstanceNormalization", (1,)), ("InstanceNormalization", (4,)),
                                      ("RMSNormalization", (1,)), ("RMSNormalization", (3,))])
def test_other_normalisations_short_params(op, scale):
    """Not compiled as skeletons: the reference kernels compute or refuse with onnxjit errors, as onnxruntime."""
    rng = np.random.default_rng(5)
    ins, inits = ["x", "s"], [numpy_helper.from_array(rng.standard_normal(scale).astype(np.float32), "s")]
    if op == "InstanceNormalization":
        ins.append("b")
        inits.append(numpy_helper.from_array(rng.standard_normal(scale).astype(np.float32), "b"))
    opset = 23 if op == "RMSNormalization" else 17
    m = _model([helper.make_node(op, ins, ["y"])], [_vi("x", ["A", "B", "C"])], [_vi("y", None)], inits, opset=opset)
    m.ir_version = 10
    feeds = {"x": rng.standard_normal((2, 3, 4)).astype(np.float32)}
    expected = _oracle(m, feeds)
    sess = onnxjit.InferenceSession(m.SerializeToString(), providers=[NUMBA])
    if isinstance(expected, list):
        np.testing.assert_allclose(sess.run(None, feeds)[0], expected[0], rtol=1e-4, atol=1e-4)
    else:
        with pytest.raises(onnxjit.OnnxJitError):
            sess.run(None, feeds)


def _bn(x_decl, n_params, conv=False):
    rng = np.random.default_rng(6)
    p = lambda n: numpy_helper.from_array(rng.standard_normal(n_params).astype(np.float32), n)  # noqa: E731
    var = numpy_helper.from_array(np.ones(n_params, np.float32), "v")
    nodes, inits = [], [p("s"), p("b"), p("m"), var]
    src = "x"
    if conv:
        nodes.append(helper.make_node("Conv", ["x", "cw"], ["t"]))
        inits.append(numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "cw"))
        src = "t"
    nodes.append(helper.make_node("BatchNormalization", [src, "s", "b", "m", "v"], ["y"]))
    m = _model(nodes, [_vi("x", x_decl)], [_vi("y", None)], inits)
    return m, {"x": rng.standard_normal((1, 3, 8, 8)).astype(np.float32)}


@pytest.mark.parametrize("provider", [NUMBA, CPU])
def test_batchnorm_params_not_matching_channels(provider):
    """Folding into the conv / rewriting to Mul+Add raised numpy's ValueError at load (untyped); short
    params broadcast where onnxruntime refuses them."""
    for x_decl, n, conv in [([1, 3, 8, 8], 2, False), (["N", "C", "H", "W"], 2, False), (["N", "C", "H", "W"], 1, False),
                            ([1, 3, 8, 8], 2, True), ([1, 3, 8, 8], 3, False), ([1, 3, 8, 8], 4, True)]:
        m, feeds = _bn(x_decl, n, conv)
        expected = _oracle(m, feeds)
        if isinstance(expected, list):
            got = onnxjit.InferenceSession(m.SerializeToString(), providers=[provider]).run(None, feeds)[0]
            np.testing.assert_allclose(got, expected[0], rtol=1e-4, atol=1e-4)
        else:
            with pytest.raises(onnxjit.OnnxJitError):
                onnxjit.InferenceSession(m.SerializeToString(), providers=[provider]).run(None, feeds)


@pytest.mark.parametrize("axes", [[-3], [0, 0], [2]])
def test_slice_bad_axes_refused(axes):
    c = lambda n, v: numpy_helper.from_array(np.array(v, np.int64), n)  # noqa: E731
    m = _model([helper.make_node("Slice", ["x", "s", "e", "a"], ["y"])], [_vi("x", ["A", "B"])], [_vi("y", None)],
               [c("s", [0] * len(axes)), c("e", [1] * len(axes)), c("a", axes)])
    assert not isinstance(_oracle(m, {"x": np.ones((2, 3), np.float32)}), list)
    with pytest.raises(onnxjit.OnnxJitError):
        onnxjit.InferenceSession(m.SerializeToString(), providers=[NUMBA]).run(None, {"x": np.ones((2, 3), np.float32)})


def test_declared_subgraph_output_shapes_not_trusted(tmp_path):
    """If's branches declare their output [3, 3]; the real one is [5, 7] and feeds a compiled Add."""
    def branch(name, op):
        return helper.make_graph([helper.make_node(op, ["x"], ["r"])], name, [], [_vi("r", [3, 3])])

    m = _model([helper.make_node("If", ["c"], ["t"], then_branch=branch("a", "Neg"), else_branch=branch("b", "Abs")),
                helper.make_node("Add", ["t", "x"], ["y"])],
               [_vi("c", [], TensorProto.BOOL), _vi("x", [5, 7])], [_vi("y", [3, 3])])
    x = np.random.default_rng(7).standard_normal((5, 7)).astype(np.float32)
    cases = [(f"if_{c}", m, {"c": np.array(c), "x": x}) for c in (True, False)]
    assert_matches_oracle(run_isolated(tmp_path, cases, [NUMBA]), cases)


@pytest.mark.parametrize("ir_version", [3, 8])
def test_initializer_input_declared_with_another_shape_refused(ir_version):
    """onnxruntime refuses an input whose declared shape is not its initializer's; inference would have
    taken the declared [3, 2] for the real [3, 5]."""
    m = _model([helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Relu", ["m"], ["y"])],
               [_vi("x", [2, 3]), _vi("w", [3, 2])], [_vi("y", None)],
               [numpy_helper.from_array(np.ones((3, 5), np.float32), "w")], opset=9 if ir_version == 3 else 17)
    m.ir_version = ir_version
    assert not isinstance(_oracle(m, {"x": np.ones((2, 3), np.float32)}), list)
    for provider in (NUMBA, CPU):
        with pytest.raises(onnxjit.InvalidGraph, match="Shape of initializer w does not match"):
            onnxjit.InferenceSession(m.SerializeToString(), providers=[provider])


@pytest.mark.parametrize("w_shape,attrs", [((2, 4, 3, 3), {}), ((4, 2, 3, 3), {"group": 3}), ((4, 2, 3, 3), {"group": 0}),
                                           ((3, 2, 3, 3), {"output_padding": [5, 5]}), ((3, 2, 3, 3), {"strides": [0, 1]})])
def test_conv_transpose_bad_shapes_refused(w_shape, attrs):
    """ConvTranspose runs on the reference kernel: it refuses what onnxruntime refuses, with onnxjit errors."""
    rng = np.random.default_rng(8)
    m = _model([helper.make_node("ConvTranspose", ["x", "w"], ["y"], **attrs)], [_vi("x", ["N", "C", "H", "W"])],
               [_vi("y", None)], [numpy_helper.from_array(rng.standard_normal(w_shape).astype(np.float32), "w")])
    feeds = {"x": rng.standard_normal((1, 4 if "group" in attrs else 3, 4, 4)).astype(np.float32)}
    assert not isinstance(_oracle(m, feeds), list)
    for provider in (NUMBA, CPU):
        with pytest.raises(onnxjit.OnnxJitError):
            onnxjit.InferenceSession(m.SerializeToString(), providers=[provider]).run(None, feeds)
