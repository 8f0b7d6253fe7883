"""Numba's parallel kernels (conv, pooling, MatMul, Gemm) split their work into jobs over threads in
several ways: bands of output rows, shares of output channels, row or column blocks of a product,
channel ranges. Each split must give the CPU provider's results, at 1 and at 2 threads, and fused
epilogues must run on every job's part of the output."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnxjit
from onnxjit.compiler.passes.fold_conv_affine import fold_conv_affine
from onnxjit.compiler.ir import Graph, Node


def _model(nodes, inputs, inits, out="y") -> bytes:
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)],
                              [numpy_helper.from_array(v, k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


def _check(model: bytes, feeds: dict[str, np.ndarray], threads: int) -> None:
    so = onnxjit.SessionOptions()
    so.intra_op_num_threads = threads
    jit = onnxjit.InferenceSession(model, so, providers=["NumbaExecutionProvider"])
    ref = onnxjit.InferenceSession(model, providers=["ReferenceExecutionProvider"])
    assert not jit._executable.plan.host_steps
    got, want = jit.run(None, feeds)[0], ref.run(None, feeds)[0]
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


rng = np.random.default_rng(0)
CONVS = [  # (N, C, H, M, K, stride, pad, group): bands, channel shares (tiny images), 1x1, depthwise s1/s2
    (1, 8, 13, 16, 3, 1, 1, 1), (2, 6, 9, 5, 3, 2, 0, 1), (1, 16, 2, 64, 3, 1, 1, 1), (3, 8, 7, 12, 1, 1, 0, 1),
    (1, 8, 10, 8, 3, 1, 1, 8), (2, 6, 11, 6, 5, 2, 2, 6), (1, 8, 9, 16, 3, 1, 2, 2), (1, 16, 1, 64, 1, 1, 0, 1),
    (1, 16, 1, 33, 3, 1, 1, 1)]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("n,c,h,m,k,s,p,g", CONVS)
def test_conv_jobs_with_fused_epilogue(n, c, h, m, k, s, p, g, threads) -> None:
    w = rng.standard_normal((m, c // g, k, k)).astype(np.float32)
    b = rng.standard_normal(m).astype(np.float32)
    res_shape = [n, m, (h + 2 * p - k) // s + 1, (h + 2 * p - k) // s + 1]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], strides=[s, s], pads=[p] * 4, group=g),
             helper.make_node("Add", ["c", "r"], ["a"]), helper.make_node("Relu", ["a"], ["y"])]
    model = _model(nodes, [("x", [n, c, h, h]), ("r", res_shape)], {"w": w, "b": b})
    _check(model, {"x": rng.standard_normal((n, c, h, h)).astype(np.float32),
                   "r": rng.standard_normal(res_shape).astype(np.float32)}, threads)


# Stride 1 with the input's width (im2col as one shifted copy per tap): asymmetric pads, dilation,
# a pad past the kernel's reach; and the product's special paths: 1024 input channels (weights rows
# 4 KB apart, packed), more output channels than pixels (jobs share the channels out).
CONV_PATHS = [  # (C, H, W, M, kernel, pads t/l/b/r, dilation)
    (4, 6, 7, 5, 3, (2, 2, 0, 0), 1), (4, 6, 7, 5, 3, (0, 0, 2, 2), 1), (3, 8, 9, 4, 3, (2, 2, 2, 2), 2),
    (2, 5, 5, 3, 3, (3, 1, 3, 1), 1), (1024, 3, 3, 20, 1, (0, 0, 0, 0), 1), (8, 2, 3, 70, 3, (1, 1, 1, 1), 1)]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("c,h,w_,m,k,pads,d", CONV_PATHS)
def test_conv_shifted_im2col_and_product_paths(c, h, w_, m, k, pads, d, threads) -> None:
    w = rng.standard_normal((m, c, k, k)).astype(np.float32)
    b = rng.standard_normal(m).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=list(pads), dilations=[d, d]),
             helper.make_node("Relu", ["c"], ["y"])]
    model = _model(nodes, [("x", [1, c, h, w_])], {"w": w, "b": b})
    _check(model, {"x": rng.standard_normal((1, c, h, w_)).astype(np.float32)}, threads)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("a_shape,b_shape", [((8, 40), (40, 300)), ((70, 24), (24, 5)), ((3, 7, 16), (16, 9)),
                                             ((2, 3, 5, 8), (2, 1, 8, 6)), ((1, 9), (9, 200))])
def test_matmul_jobs_with_channel_epilogue(a_shape, b_shape, threads) -> None:
    n = b_shape[-1]
    bias = rng.standard_normal(n).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["a", "b"], ["mm"]), helper.make_node("Add", ["mm", "bias"], ["s"]),
             helper.make_node("Tanh", ["s"], ["y"])]
    model = _model(nodes, [("a", list(a_shape)), ("b", list(b_shape))], {"bias": bias})
    _check(model, {"a": rng.standard_normal(a_shape).astype(np.float32),
                   "b": rng.standard_normal(b_shape).astype(np.float32)}, threads)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("m,k,n,ta,tb,alpha,beta", [(8, 32, 260, 0, 1, 1.0, 1.0), (50, 16, 12, 1, 0, 0.5, 2.0),
                                                    (40, 8, 200, 1, 1, 1.0, 0.0), (2, 3, 4, 0, 0, 2.0, 1.0),
                                                    (5, 16, 7, 0, 1, 1.0, 1.0)])
def test_gemm_jobs(m, k, n, ta, tb, alpha, beta, threads) -> None:
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    c = rng.standard_normal((1, n)).astype(np.float32)
    nodes = [helper.make_node("Gemm", ["a", "b", "c"], ["g"], transA=ta, transB=tb, alpha=alpha, beta=beta),
             helper.make_node("Relu", ["g"], ["y"])]
    model = _model(nodes, [("a", list(a.shape))], {"b": b, "c": c})
    _check(model, {"a": a}, threads)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("op,k,s,p", [("MaxPool", 3, 2, 1), ("MaxPool", 2, 1, 0), ("AveragePool", 3, 1, 1),
                                      ("AveragePool", 3, 3, 0)])
def test_pool_jobs(op, k, s, p, threads) -> None:
    model = _model([helper.make_node(op, ["x"], ["y"], kernel_shape=[k, k], strides=[s, s], pads=[p] * 4)],
                   [("x", [2, 5, 11, 11])], {})
    x = rng.standard_normal((2, 5, 11, 11)).astype(np.float32)
    x[0, 1, 3, 4] = np.nan  # max pooling propagates NaN
    _check(model, {"x": x}, threads)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape,window", [  # window: (stride, pad, ceil_mode), the window fitting the plane
    (shape, window) for shape in [(2, 5, 11, 11), (1, 3, 2, 7), (1, 2, 7, 2), (1, 4, 2, 2), (1, 3, 14, 14), (1, 2, 51, 50)]
    for window in [(1, 1, 0), (2, 0, 0), (2, 1, 0), (2, 0, 1), (2, 1, 1)] if min(shape[2:]) + 2 * window[1] >= 3])
@pytest.mark.parametrize("op,attrs", [("MaxPool", {}), ("AveragePool", {}), ("AveragePool", {"count_include_pad": 1})])
def test_3x3_pools_in_long_sweeps(op, attrs, window, shape, threads) -> None:
    """3x3 windows at stride 1, and 2 on planes up to 48 wide (the 50-wide plane takes the row-by-row
    path), run as a sweep over whole planes masked at row ends, then a pass per output row (or, when
    the plane keeps its size, sweeps too): the first and last rows and columns see windows cut by
    the edge. A Relu after the pool runs after every plane is pooled."""
    stride, pad, ceil = window
    nodes = [helper.make_node(op, ["x"], ["p"], kernel_shape=[3, 3], strides=[stride] * 2, pads=[pad] * 4,
                              ceil_mode=ceil, **attrs),
             helper.make_node("Relu", ["p"], ["y"])]
    x = rng.standard_normal(shape).astype(np.float32)
    x[0, 0, 0, 1] = np.nan  # max pooling propagates NaN (to every window that holds it)
    x[0, -1, -1, 0] = -np.inf
    _check(_model(nodes, [("x", list(shape))], {}), {"x": x}, threads)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape", [(1, 6, 7, 7), (2, 3, 5, 4), (1, 2, 1, 9)])
@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
def test_pools_whose_window_is_the_whole_plane(op, shape, threads) -> None:
    """A window as large as the plane (resnet's last pool) is one sweep a plane."""
    model = _model([helper.make_node(op, ["x"], ["y"], kernel_shape=list(shape[2:]))], [("x", list(shape))], {})
    x = rng.standard_normal(shape).astype(np.float32)
    x[0, 0, 0, -1] = np.nan
    _check(model, {"x": x}, threads)


def test_per_channel_mul_and_add_after_conv_fold_into_its_weights() -> None:
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    scale = rng.standard_normal((4, 1, 1)).astype(np.float32)
    shift = rng.standard_normal((1, 4, 1, 1)).astype(np.float32)
    graph = Graph("g", [Node("Conv", ["x", "w"], ["c"], {}, "", "conv"), Node("Mul", ["c", "scale"], ["m"], {}, "", "mul"),
                        Node("Add", ["shift", "m"], ["y"], {}, "", "add")], [], [],
                  initializers={"w": w, "scale": scale, "shift": shift})
    assert fold_conv_affine(graph, set()) == 2
    assert [n.op_type for n in graph.nodes] == ["Conv"] and graph.nodes[0].outputs == ["y"]
    folded_w, folded_b = (graph.initializers[i] for i in graph.nodes[0].inputs[1:])
    np.testing.assert_allclose(folded_w, w * scale.reshape(4, 1, 1, 1), rtol=1e-6)
    np.testing.assert_allclose(folded_b, shift.reshape(4), rtol=1e-6)


def test_conv_affine_fold_leaves_shared_or_non_channel_constants() -> None:
    x = rng.standard_normal((1, 3, 6, 6)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    spatial = rng.standard_normal((1, 1, 4, 4)).astype(np.float32)  # varies over space: not foldable
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"]), helper.make_node("Mul", ["c", "sp"], ["m"]),
             helper.make_node("Add", ["m", "c"], ["y"])]  # c has two readers: not foldable either
    model = _model(nodes, [("x", [1, 3, 6, 6])], {"w": w, "sp": spatial})
    sess = onnxjit.InferenceSession(model, providers=["NumbaExecutionProvider"])
    assert "Mul" in [n.op_type for s in sess._executable.plan.steps for n in s.nodes]
    _check(model, {"x": x}, 2)
    assert onnx.load_from_string(model).graph.node[1].op_type == "Mul"


def test_forked_child_gets_a_clear_error_instead_of_being_killed() -> None:
    """Numba's OpenMP pool does not survive fork: a child forked after a session ran must get an
    error that says so (Numba alone ends the child with SIGTERM), and the parent keeps working."""
    import multiprocessing as mp

    model = _model([helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2])], [("x", [1, 2, 4, 4])], {})
    sess = onnxjit.InferenceSession(model, providers=["NumbaExecutionProvider"])
    x = rng.standard_normal((1, 2, 4, 4)).astype(np.float32)
    want = sess.run(None, {"x": x})[0]
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_run_in_child, args=(sess, x, queue))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert "forked" in queue.get(timeout=5)
    np.testing.assert_array_equal(sess.run(None, {"x": x})[0], want)


def _run_in_child(sess, x, queue) -> None:
    try:
        sess.run(None, {"x": x})
        queue.put("ran")
    except Exception as exc:  # noqa: BLE001
        queue.put(str(exc))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("shape,s_shape", [((1, 64, 32, 32), (64, 1, 1)), ((2, 8, 64, 64), (1, 8, 1, 64)),
                                           ((4, 128, 256), (256,)), ((70000, 2), (2,)), ((1, 1, 300, 300), (1,))])
def test_large_elementwise_kernels_share_rows(shape, s_shape, threads) -> None:
    """Elementwise kernels whose static shape is large run as row jobs (a row spans the dims its
    broadcast operands vary over, so a per-channel scale is read once per row)."""
    model = _model([helper.make_node("Mul", ["x", "s"], ["m"]), helper.make_node("Relu", ["m"], ["y"])],
                   [("x", list(shape))], {"s": rng.standard_normal(s_shape).astype(np.float32)})
    assert "_jobs" in onnxjit.InferenceSession(model, providers=["NumbaExecutionProvider"])._executable.source
    _check(model, {"x": rng.standard_normal(shape).astype(np.float32)}, threads)


@pytest.mark.parametrize("threads", [1, 2])
def test_conv_jobs_call_the_shared_helpers_at_their_addresses(threads) -> None:
    """A conv kernel's jobs call the shared conv helpers at the addresses the driver passes (so each
    kernel compiles its epilogue only, not the helpers' code again): a conv of group 1 the band
    helper only, a depthwise one the plane helper too. Bias-less convs pass w[:0] as the bias."""
    from onnxjit.compiler.codegen.numba_gen import HELPER_MODULE

    w1 = rng.standard_normal((8, 4, 3, 3)).astype(np.float32)
    w2 = rng.standard_normal((8, 1, 3, 3)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c"], pads=[1] * 4), helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("Conv", ["r", "w2"], ["d"], pads=[1] * 4, group=8), helper.make_node("Sigmoid", ["d"], ["y"])]
    model = _model(nodes, [("x", [1, 4, 9, 9])], {"w1": w1, "w2": w2})
    _check(model, {"x": rng.standard_normal((1, 4, 9, 9)).astype(np.float32)}, threads)
    info = onnxjit.InferenceSession(model, providers=["NumbaExecutionProvider"])._executable.module_info
    convs = [src for src in info.kernel_modules.values() if "# template_conv kernel" in src]
    assert len(convs) == 2
    assert all("call_kernel(KA[1]" in src and f"from {HELPER_MODULE}" not in src for src in convs)
    names = [name for name, _ in info.kernel_table]
    assert names.count("_conv_band") == 2 and names.count("_dw_plane_at") == 1


def test_matmul_jobs_call_the_product_at_its_address() -> None:
    """A MatMul kernel's jobs call the shared product (_mm) at the address after their own entries,
    after an epilogue's `_after` too, rather than linking it."""
    w = rng.standard_normal((16, 24)).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["x", "w"], ["m"]), helper.make_node("Relu", ["m"], ["y"])]
    model = _model(nodes, [("x", [3, 5, 16])], {"w": w})
    _check(model, {"x": rng.standard_normal((3, 5, 16)).astype(np.float32)}, 2)
    info = onnxjit.InferenceSession(model, providers=["NumbaExecutionProvider"])._executable.module_info
    [src] = [src for src in info.kernel_modules.values() if "# template_matmul kernel" in src]
    assert "def _after(" in src and "call_kernel(KA[2], " in src and "_mm(" not in src
    assert [name for name, _ in info.kernel_table].count("_mm") == 1
