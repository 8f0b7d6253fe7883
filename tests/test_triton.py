"""TritonExecutionProvider against onnxruntime: generated kernels per fusion class, the torch MLP and a
small encoder, host-step fallback, the CUDA alias, the cache, and compiling for a GPU target ahead
of time.

Without a GPU the kernels run in Triton's interpreter (TRITON_INTERPRET=1, set per test: Triton
reads it when a kernel is defined and launched); on a GPU machine the same tests run on the GPU.
"""
from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

pytest.importorskip("triton")
torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

import onnxjit
from onnxjit.providers.triton.device import cuda_available

TRITON = "TritonExecutionProvider"
RTOL, ATOL = 1e-3, 1e-4
F, I64 = TensorProto.FLOAT, TensorProto.INT64
needs_gpu = pytest.mark.skipif(not cuda_available(), reason="needs a CUDA GPU (none found)")


@pytest.fixture(autouse=True)
def triton_device(monkeypatch):
    """The GPU when there is one, else the interpreter."""
    if not cuda_available():
        monkeypatch.setenv("TRITON_INTERPRET", "1")


def _model(nodes, inputs, outputs, inits=(), opset=17) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def _vi(name, shape, dtype=F):
    return helper.make_tensor_value_info(name, dtype, shape)


def _compare(model, feeds, host_steps: int | None = 0, rtol=RTOL, atol=ATOL) -> onnxjit.InferenceSession:
    data = model.SerializeToString() if isinstance(model, onnx.ModelProto) else str(model)
    sess = onnxjit.InferenceSession(data, providers=[TRITON, "ReferenceExecutionProvider"])
    assert sess.get_providers()[0] == TRITON
    if host_steps is not None:
        assert len(sess.executable.plan.host_steps) == host_steps, sess.executable.describe()
    expected = ort.InferenceSession(data, providers=["CPUExecutionProvider"]).run(None, feeds)
    got = sess.run(None, feeds)
    for e, g in zip(expected, got):
        assert g.shape == e.shape and g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)
    return sess


def _rand(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def test_elementwise_broadcast_chain_is_one_kernel():
    nodes = [helper.make_node("Add", ["x", "b"], ["a"], name="add"),
             helper.make_node("Mul", ["a", "s"], ["m"], name="mul"),
             helper.make_node("Tanh", ["m"], ["t"], name="tanh"),
             helper.make_node("Erf", ["a"], ["e"], name="erf"),
             helper.make_node("Greater", ["t", "e"], ["g"], name="gt"),
             helper.make_node("Where", ["g", "t", "e"], ["w"], name="where"),
             helper.make_node("Pow", ["w", "two"], ["p"], name="pow"),
             helper.make_node("Cast", ["g"], ["c"], to=TensorProto.INT32, name="cast")]
    model = _model(nodes, [_vi("x", [2, 3, 4]), _vi("b", [3, 1]), _vi("s", [4])],
                   [_vi("p", [2, 3, 4]), _vi("c", [2, 3, 4], TensorProto.INT32)],
                   [helper.make_tensor("two", F, [], [2.0])])
    sess = _compare(model, {"x": _rand(2, 3, 4), "b": _rand(3, 1, seed=1), "s": _rand(4, seed=2)})
    assert len(sess.executable.plan.kernel_steps) == 1


def test_integer_and_math_primitives():
    nodes = [helper.make_node("Div", ["i", "j"], ["d"], name="div"),
             helper.make_node("Mod", ["i", "j"], ["m"], name="mod"),
             helper.make_node("Atan", ["x"], ["at"], name="atan"),
             helper.make_node("Round", ["x"], ["r"], name="round"),
             helper.make_node("Max", ["x", "y"], ["mx"], name="max")]
    model = _model(nodes, [_vi("i", [6], I64), _vi("j", [6], I64), _vi("x", [6]), _vi("y", [6])],
                   [_vi("d", [6], I64), _vi("m", [6], I64), _vi("at", [6]), _vi("r", [6]), _vi("mx", [6])])
    feeds = {"i": np.array([7, -7, 7, -7, 0, 9], np.int64), "j": np.array([2, 2, -2, -2, 3, 4], np.int64),
             "x": np.array([-2.5, -0.5, 0.5, 1.5, 2.5, 30.0], np.float32),
             "y": np.array([0, np.nan, 0, 2, 2, 2], np.float32)}
    _compare(model, feeds)


@pytest.mark.parametrize("axis", [-1, 1])
def test_softmax_with_epilogue(axis):
    nodes = [helper.make_node("Softmax", ["x"], ["s"], axis=axis, name="softmax"),
             helper.make_node("Mul", ["s", "k"], ["y"], name="scale")]
    model = _model(nodes, [_vi("x", [2, 5, 7]), _vi("k", [1, 5, 1])], [_vi("y", [2, 5, 7])])
    _compare(model, {"x": _rand(2, 5, 7), "k": _rand(1, 5, 1, seed=3)})


def test_layernorm_and_reductions():
    nodes = [helper.make_node("LayerNormalization", ["x", "g", "b"], ["n"], axis=-1, epsilon=1e-5, name="ln"),
             helper.make_node("ReduceMean", ["n", "axes"], ["m"], keepdims=1, name="mean"),
             helper.make_node("ReduceMax", ["x", "axes2"], ["mx"], keepdims=0, name="max")]
    model = _model(nodes, [_vi("x", [3, 4, 6])], [_vi("n", [3, 4, 6]), _vi("m", [3, 1, 1]), _vi("mx", [4])],
                   [helper.make_tensor("g", F, [6], _rand(6, seed=4)), helper.make_tensor("b", F, [6], _rand(6, seed=5)),
                    helper.make_tensor("axes", I64, [2], [1, 2]), helper.make_tensor("axes2", I64, [2], [0, 2])],
                   opset=18)
    _compare(model, {"x": _rand(3, 4, 6)})


def test_batched_matmul_with_fused_epilogue():
    nodes = [helper.make_node("MatMul", ["a", "w"], ["mm"], name="mm"),
             helper.make_node("Add", ["mm", "bias"], ["z"], name="bias"),
             helper.make_node("Relu", ["z"], ["y"], name="relu"),
             helper.make_node("MatMul", ["a", "bt"], ["y2"], name="bmm")]
    model = _model(nodes, [_vi("a", [2, 3, 5, 8]), _vi("bt", [3, 8, 4])], [_vi("y", [2, 3, 5, 6]), _vi("y2", [2, 3, 5, 4])],
                   [helper.make_tensor("w", F, [8, 6], _rand(8, 6, seed=6)), helper.make_tensor("bias", F, [6], _rand(6, seed=7))])
    sess = _compare(model, {"a": _rand(2, 3, 5, 8), "bt": _rand(3, 8, 4, seed=8)})
    assert [s.op for s in sess.executable.plan.kernel_steps] == ["matmul", "matmul"]


@pytest.mark.parametrize(("trans_a", "trans_b"), [(0, 0), (1, 1)])
def test_gemm_alpha_beta_c_and_activation(trans_a, trans_b):
    a_shape, b_shape = ([9, 5] if trans_a else [5, 9]), ([7, 9] if trans_b else [9, 7])
    nodes = [helper.make_node("Gemm", ["a", "b", "c"], ["g"], alpha=0.5, beta=2.0, transA=trans_a, transB=trans_b),
             helper.make_node("Sigmoid", ["g"], ["y"])]
    model = _model(nodes, [_vi("a", a_shape), _vi("b", b_shape), _vi("c", [1, 7])], [_vi("y", [5, 7])])
    _compare(model, {"a": _rand(*a_shape), "b": _rand(*b_shape, seed=1), "c": _rand(1, 7, seed=2)})


def test_copies_transpose_slice_concat_gather_expand():
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[2, 0, 1], name="transpose"),
             helper.make_node("Slice", ["t", "st", "en", "ax", "sp"], ["s"], name="slice"),
             helper.make_node("Concat", ["x", "x2"], ["c"], axis=1, name="concat"),
             helper.make_node("Gather", ["x", "idx"], ["g"], axis=1, name="gather"),
             helper.make_node("Expand", ["b", "shape"], ["e"], name="expand")]
    model = _model(nodes, [_vi("x", [2, 3, 4]), _vi("x2", [2, 2, 4]), _vi("b", [3, 1])],
                   [_vi("s", [2, 2, 3]), _vi("c", [2, 5, 4]), _vi("g", [2, 2, 4]), _vi("e", [2, 3, 5])],
                   [helper.make_tensor("st", I64, [2], [3, 0]), helper.make_tensor("en", I64, [2], [-100, 3]),
                    helper.make_tensor("ax", I64, [2], [0, 2]), helper.make_tensor("sp", I64, [2], [-2, 1]),
                    helper.make_tensor("idx", I64, [2], [-1, 0]), helper.make_tensor("shape", I64, [3], [2, 3, 5])])
    _compare(model, {"x": _rand(2, 3, 4), "x2": _rand(2, 2, 4, seed=1), "b": _rand(3, 1, seed=2)})


@pytest.mark.parametrize(("kernel", "stride", "pads", "dilation", "group", "bias"),
                         [(3, 1, 1, 1, 1, True), (3, 2, 0, 2, 2, False), (1, 1, 0, 1, 1, True), (3, 1, 1, 1, 6, True)])
def test_conv_implicit_gemm_with_epilogue(kernel, stride, pads, dilation, group, bias):
    c, m = 6, 12 if group != 6 else 6
    w = _rand(m, c // group, kernel, kernel, seed=1)
    ins = ["x", "w"] + (["b"] if bias else [])
    nodes = [helper.make_node("Conv", ins, ["c"], strides=[stride, stride], pads=[pads] * 4,
                              dilations=[dilation, dilation], group=group, name="conv"),
             helper.make_node("Relu", ["c"], ["y"], name="relu")]
    x = _rand(2, c, 9, 8)
    oh = (9 + 2 * pads - dilation * (kernel - 1) - 1) // stride + 1
    ow = (8 + 2 * pads - dilation * (kernel - 1) - 1) // stride + 1
    inits = [helper.make_tensor("w", F, list(w.shape), w)] + ([helper.make_tensor("b", F, [m], _rand(m, seed=2))] if bias else [])
    model = _model(nodes, [_vi("x", [2, c, 9, 8])], [_vi("y", [2, m, oh, ow])], inits)
    sess = _compare(model, {"x": x})
    assert [s.op for s in sess.executable.plan.kernel_steps] == ["conv"]


@pytest.mark.parametrize("include_pad", [0, 1])
def test_pools(include_pad):
    nodes = [helper.make_node("MaxPool", ["x"], ["mp"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
             helper.make_node("AveragePool", ["x"], ["ap"], kernel_shape=[3, 2], strides=[1, 2], pads=[1, 0, 1, 1],
                              count_include_pad=include_pad),
             helper.make_node("GlobalAveragePool", ["x"], ["gap"]),
             helper.make_node("GlobalMaxPool", ["x"], ["gmp"])]
    model = _model(nodes, [_vi("x", [2, 3, 7, 6])],
                   [_vi("mp", [2, 3, 4, 3]), _vi("ap", [2, 3, 7, 4]), _vi("gap", [2, 3, 1, 1]), _vi("gmp", [2, 3, 1, 1])])
    _compare(model, {"x": _rand(2, 3, 7, 6)})


def test_unlowered_ops_run_as_host_steps_with_copies():
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("LRN", ["r"], ["c"], size=3, name="lrn"),
             helper.make_node("Sigmoid", ["c"], ["y"], name="sigmoid")]
    model = _model(nodes, [_vi("x", [1, 2, 5, 5])], [_vi("y", [1, 2, 5, 5])])
    sess = _compare(model, {"x": _rand(1, 2, 5, 5)}, host_steps=1)
    ex = sess.executable
    assert ex.transfers == {"to_device": 2, "to_host": 2}  # x and the LRN result in; relu result and y out
    assert "1 host steps (1 nodes: LRN) with copies" in ex.describe()


def test_cuda_alias_selects_triton():
    model = _model([helper.make_node("Neg", ["x"], ["y"])], [_vi("x", [3])], [_vi("y", [3])])
    assert TRITON in onnxjit.get_available_providers()
    sess = onnxjit.InferenceSession(model.SerializeToString(), providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert sess.get_providers() == [TRITON, "CPUExecutionProvider"]
    np.testing.assert_array_equal(sess.run(None, {"x": np.arange(3, dtype=np.float32)})[0], -np.arange(3, dtype=np.float32))


@pytest.mark.skipif(cuda_available(), reason="checks the fallback on a machine without a CUDA GPU")
def test_cuda_alias_without_gpu_warns_and_runs_on_cpu(monkeypatch):
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    model = _model([helper.make_node("Neg", ["x"], ["y"])], [_vi("x", [3])], [_vi("y", [3])])
    assert TRITON not in onnxjit.get_available_providers()
    with pytest.warns(UserWarning, match="CUDAExecutionProvider is not available.*no CUDA GPU"):
        sess = onnxjit.InferenceSession(model.SerializeToString(),
                                        providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert sess.get_providers() == ["CPUExecutionProvider"]
    np.testing.assert_array_equal(sess.run(None, {"x": np.ones(3, np.float32)})[0], -np.ones(3, np.float32))


def test_generated_source_is_sanitised_with_provenance(tmp_path):
    evil = "x'); __import__('os').system('echo pwned'); ('"
    nodes = [helper.make_node("Relu", ["x"], ["r"], name=evil), helper.make_node("Exp", ["r"], ["y"], name="exp")]
    model = _model(nodes, [_vi("x", [4])], [_vi("y", [4])])
    so = onnxjit.SessionOptions()
    so.add_session_config_entry("onnxjit.cache_dir", str(tmp_path))
    sess = onnxjit.InferenceSession(model.SerializeToString(), so, providers=[TRITON])
    src = sess.executable.source
    assert all(line.lstrip().startswith("#") for line in src.splitlines() if "__import__(" in line)
    assert not [n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Name) and n.id == "__import__"]
    assert "# Relu 'x'); __import__" in src  # provenance, as a comment
    for name in re.findall(r"^def (\w+)\(", src, re.MULTILINE):
        assert name.isidentifier()
    stats = sess.compile_stats()
    assert stats["provider"] == TRITON and not stats["from_cache"] and stats["kernels"] == 1
    assert Path(stats["cache_folder"]).is_relative_to(tmp_path)
    again = onnxjit.InferenceSession(model.SerializeToString(), so, providers=[TRITON])
    assert again.compile_stats()["from_cache"]


def _two_output_model() -> onnx.ModelProto:
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"], name="mm"), helper.make_node("Softmax", ["y"], ["p"], name="sm")]
    return _model(nodes, [_vi("x", ["batch", 8])], [_vi("y", ["batch", 4]), _vi("p", ["batch", 4])],
                  [helper.make_tensor("w", F, [8, 4], _rand(8, 4, seed=9))])


def test_iobinding_device_buffers_by_pointer_and_ortvalue():
    """Inputs bound by device pointer (a torch tensor, as with onnxruntime's CUDA example) and as an
    OrtValue; one output written straight into a bound device buffer, one allocated by the session."""
    model = _two_output_model()
    sess = onnxjit.InferenceSession(model.SerializeToString(), providers=["CUDAExecutionProvider", "ReferenceExecutionProvider"])
    ref = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    dev = sess.executable.device.torch_device  # cuda, or the interpreter's cpu stand-in
    x = torch.from_numpy(_rand(3, 8)).to(dev)
    y = torch.empty((3, 4), dtype=torch.float32, device=dev)
    io = sess.io_binding()
    io.bind_input("x", "cuda", 0, np.float32, tuple(x.shape), x.data_ptr())
    io.bind_output("y", "cuda", 0, np.float32, tuple(y.shape), y.data_ptr())
    io.bind_output("p", "cuda")
    io.synchronize_inputs()
    sess.run_with_iobinding(io)
    io.synchronize_outputs()
    expected = ref.run(None, {"x": x.cpu().numpy()})
    np.testing.assert_allclose(y.cpu().numpy(), expected[0], rtol=RTOL, atol=ATOL)  # written in place
    outs = io.get_outputs()
    assert [o.device_name() for o in outs] == ["cuda", "cuda"] and outs[0].data_ptr() == y.data_ptr()
    assert outs[1].shape() == [3, 4] and outs[1].data_type() == "tensor(float)"
    for got, want in zip(io.copy_outputs_to_cpu(), expected):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
    # OrtValues on the device, then a new batch size and host inputs/outputs
    xv = onnxjit.OrtValue.ortvalue_from_numpy(_rand(5, 8, seed=1), "cuda", 0)
    assert xv.device_name() == "cuda" and xv.shape() == [5, 8]
    io.clear_binding_inputs()
    io.clear_binding_outputs()
    io.bind_ortvalue_input("x", xv)
    pv = onnxjit.OrtValue.ortvalue_from_shape_and_type([5, 4], np.float32, "cuda", 0)
    io.bind_ortvalue_output("p", pv)
    sess.run_with_iobinding(io)
    np.testing.assert_allclose(pv.numpy(), ref.run(["p"], {"x": xv.numpy()})[0], rtol=RTOL, atol=ATOL)
    io.clear_binding_inputs()
    io.clear_binding_outputs()
    io.bind_cpu_input("x", _rand(2, 8, seed=2))
    io.bind_output("y")
    sess.run_with_iobinding(io)
    (host,) = io.get_outputs()
    assert host.device_name() == "cpu"
    np.testing.assert_allclose(host.numpy(), ref.run(["y"], {"x": _rand(2, 8, seed=2)})[0], rtol=RTOL, atol=ATOL)


def test_iobinding_checks_inputs_like_run():
    sess = onnxjit.InferenceSession(_two_output_model().SerializeToString(), providers=[TRITON])
    io = sess.io_binding()
    io.bind_ortvalue_input("x", onnxjit.OrtValue.ortvalue_from_numpy(np.zeros((2, 8), np.float64), "cuda", 0))
    with pytest.raises(onnxjit.InvalidArgument, match="x"):
        sess.run_with_iobinding(io)


def test_iobinding_on_the_cpu_provider():
    sess = onnxjit.InferenceSession(_two_output_model().SerializeToString(), providers=["ReferenceExecutionProvider"])
    io = sess.io_binding()
    io.bind_cpu_input("x", _rand(2, 8))
    out = onnxjit.OrtValue.ortvalue_from_shape_and_type([2, 4], np.float32)
    io.bind_ortvalue_output("p", out)
    sess.run_with_iobinding(io)
    expected = ort.InferenceSession(_two_output_model().SerializeToString()).run(["p"], {"x": _rand(2, 8)})[0]
    np.testing.assert_allclose(out.numpy(), expected, rtol=RTOL, atol=ATOL)
    assert io.get_outputs()[0] is out


@pytest.fixture(scope="module")
def mlp_path(tmp_path_factory) -> Path:
    from benchmarks.torch_models import export_mlp

    return export_mlp(tmp_path_factory.mktemp("triton") / "mlp.onnx")


def test_torch_mlp_matches_onnxruntime(mlp_path):
    sess = _compare(mlp_path, {"x": _rand(3, 16)})
    got = sess.run(None, {"x": _rand(5, 16, seed=1)})[0]  # another batch size: a new binding, same kernels
    expected = ort.InferenceSession(str(mlp_path)).run(None, {"x": _rand(5, 16, seed=1)})[0]
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL)


def test_torch_encoder_matches_onnxruntime(tmp_path):
    from benchmarks.torch_models import export_encoder

    path = export_encoder(tmp_path / "encoder.onnx", d_model=32, heads=4, d_ff=64, layers=1)
    sess = _compare(path, {"x": _rand(2, 5, 32)})
    ops = {s.op for s in sess.executable.plan.kernel_steps}
    assert {"matmul", "softmax", "layernorm", "transpose"} <= ops


def test_torch_cnn_matches_onnxruntime(tmp_path):
    """Conv + folded BatchNorm + ReLU, max pool, grouped strided conv + SiLU, global pool, Linear."""
    torch.manual_seed(0)
    nn = torch.nn
    cnn = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=2), nn.BatchNorm2d(16), nn.SiLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10)).eval()
    with torch.no_grad():
        for mod in cnn.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.5, 0.5)
                mod.running_var.uniform_(0.5, 2.0)
    path = tmp_path / "cnn.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(cnn, (torch.randn(2, 3, 16, 16),), str(path), dynamo=False, opset_version=17,
                          input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    sess = _compare(path, {"x": _rand(2, 3, 16, 16)})
    assert {"conv", "maxpool", "gap", "gemm"} <= {s.op for s in sess.executable.plan.kernel_steps}


def test_compile_ahead_of_time_for_cuda90_without_gpu(mlp_path, tmp_path, monkeypatch):
    """`onnxjit compile --provider triton --target cuda:90` produces cubins on a machine without a GPU."""
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    from onnxjit.cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["compile", str(mlp_path), "--provider", "triton", "--target", "cuda:90", "--shape", "x=4,16",
                     "-o", str(tmp_path)]) == 0
    assert len(list((tmp_path / "triton").rglob("*.cubin"))) >= 4


@needs_gpu
def test_runs_on_the_gpu(mlp_path):
    sess = _compare(mlp_path, {"x": _rand(64, 16)})
    assert sess.executable.device.torch_device.type == "cuda"
    assert sess.compile_stats()["compiled"] > 0
