"""Edge cases of Reduce*, ArgMax/ArgMin, pooling and Gemm found by the fuzz harness, checked against
onnxruntime on every provider that takes the op (CPU reference kernels, Numba, and Triton where a GPU
or Triton's interpreter is available).

- reductions over an empty axis give onnxruntime's values (ReduceMean 0, not NaN);
- keepdims keeps the reduced axes only when it is exactly 1 (2, 5, -3, 2**31-1 reduce the rank);
- pooling attributes onnxruntime's PoolAttributes refuses are refused at load with Fail;
- a pooling window larger than the (padded) input sizes its output with C++ division, as onnxruntime
  does: one output clipped to the input when the window is at most one stride too large, an empty
  output at zero, Fail below;
- Gemm refuses operands that are not matrices with Fail on every provider (onnxruntime reads a 1-D A of
  undeclared rank as a (1, K) row, a quirk not followed: see test_gemm_vector_a_refused).
"""
from __future__ import annotations

import warnings

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper

import onnxjit

PROVIDERS = ["ReferenceExecutionProvider", "NumbaExecutionProvider", "TritonExecutionProvider"]
FLOAT = TensorProto.FLOAT


def _model(op: str, inputs: dict[str, list | None], attrs: dict, opset: int, out_type: int = FLOAT,
           initializers: tuple = ()) -> onnx.ModelProto:
    infos = [helper.make_tensor_value_info(n, FLOAT, shape) for n, shape in inputs.items()]
    names = list(inputs) + [t.name for t in initializers]
    node = helper.make_node(op, names, ["y"], name=f"{op}_node", **attrs)
    graph = helper.make_graph([node], "g", infos, [helper.make_tensor_value_info("y", out_type, None)],
                              initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def _ort(model: onnx.ModelProto, feeds: dict) -> np.ndarray | Exception:
    try:
        sess = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        return sess.run(None, feeds)[0]
    except Exception as exc:  # noqa: BLE001 - the oracle's error class is what we compare
        return exc


@pytest.fixture(autouse=True)
def _triton_interpreter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Triton runs on a GPU when there is one, else in its interpreter (as in the node cases)."""
    if request.node.callspec.params.get("provider") != "TritonExecutionProvider":
        return
    pytest.importorskip("torch")
    pytest.importorskip("triton")
    from onnxjit.providers.triton.device import cuda_available

    if not cuda_available():
        monkeypatch.setenv("TRITON_INTERPRET", "1")


def _jit(model: onnx.ModelProto, feeds: dict, provider: str) -> np.ndarray:
    chain = [provider] if provider == "ReferenceExecutionProvider" else [provider, "ReferenceExecutionProvider"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sess = onnxjit.InferenceSession(model.SerializeToString(), providers=chain)
        out = sess.run(None, feeds)[0]
    assert out is not None, "run() returned None for a tensor output"
    return out


def _agree(model: onnx.ModelProto, feeds: dict, provider: str) -> np.ndarray:
    want = _ort(model, feeds)
    assert not isinstance(want, Exception), f"onnxruntime refused the case: {want}"
    got = _jit(model, feeds, provider)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype, want.shape, want.dtype)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    return got


def _same_error(model: onnx.ModelProto, feeds: dict, provider: str, error: type) -> None:
    """onnxruntime raises the class of the same name; onnxjit raises `error` (an onnxjit class)."""
    want = _ort(model, feeds)
    assert isinstance(want, Exception) and type(want).__name__ == error.__name__, want
    with pytest.raises(error):
        _jit(model, feeds, provider)


# --- reductions over an empty axis ------------------------------------------------------------------

REDUCE_OPS = ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceLogSumExp", "ReduceL1",
              "ReduceL2", "ReduceLogSum", "ReduceSumSquare"]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("op", REDUCE_OPS)
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_reduce_over_empty_axis(provider: str, op: str, declared: bool) -> None:
    x = np.random.default_rng(0).random((2, 0, 6), dtype=np.float32)
    shape = [2, 0, 6] if declared else None
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
    model = _model(op, {"x": shape}, {"keepdims": 1}, 18, initializers=(axes,))
    got = _agree(model, {"x": x}, provider)
    assert got.shape == (2, 1, 6)
    if op == "ReduceMean":
        assert not np.isnan(got).any() and (got == 0).all()  # the fuzz bug: NaN where onnxruntime gives 0


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("op", ["ReduceMean", "ReduceMax", "ReduceProd", "ReduceL2"])
def test_reduce_attribute_axes_over_empty_axis(provider: str, op: str) -> None:
    x = np.zeros((2, 0, 6), dtype=np.float32)
    _agree(_model(op, {"x": [2, 0, 6]}, {"axes": [1], "keepdims": 0}, 13), {"x": x}, provider)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("op", ["ReduceMean", "ReduceMax", "ReduceProd", "ReduceLogSumExp"])
@pytest.mark.parametrize("axes", [[2], [-3], [0, 5]])
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_reduce_axes_out_of_range_fail(provider: str, op: str, axes: list, declared: bool) -> None:
    """onnxjit used to wrap -3 on a rank-2 input and fail 2 with numpy's error; onnxruntime gives Fail."""
    init = helper.make_tensor("axes", TensorProto.INT64, [len(axes)], axes)
    model = _model(op, {"x": [2, 3] if declared else None}, {}, 18, initializers=(init,))
    _same_error(model, {"x": np.ones((2, 3), np.float32)}, provider, onnxjit.Fail)


# --- keepdims other than 0 or 1 ---------------------------------------------------------------------

KEEPDIMS = [0, 1, 2, 5, -3, 2**31 - 1]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("op", ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL2"])
@pytest.mark.parametrize("keepdims", KEEPDIMS)
def test_reduce_keepdims_only_one_keeps(provider: str, op: str, keepdims: int) -> None:
    z = np.random.default_rng(1).random((2, 4), dtype=np.float32)
    axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
    got = _agree(_model(op, {"z": [2, 4]}, {"keepdims": keepdims}, 18, initializers=(axes,)), {"z": z}, provider)
    assert got.shape == ((2, 1) if keepdims == 1 else (2,))


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("keepdims", [2, -3, 2**31 - 1])
def test_reduce_mean_opset13_keepdims(provider: str, keepdims: int) -> None:
    """The fuzz repro: ReduceMean(z[2,4], axes=[1], keepdims=2147483647) reduces the rank."""
    z = np.random.default_rng(2).random((2, 4), dtype=np.float32)
    got = _agree(_model("ReduceMean", {"z": [2, 4]}, {"axes": [1], "keepdims": keepdims}, 13), {"z": z}, provider)
    assert got.shape == (2,)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("keepdims", KEEPDIMS)
@pytest.mark.parametrize("select_last_index", [0, 1, 2, -1])
def test_arg_keepdims_and_select_last_index(provider: str, op: str, keepdims: int, select_last_index: int) -> None:
    z = np.array([[1, 3, 3, 0], [2, 0, 1, 0]], dtype=np.float32)  # ties: first and last index differ
    model = _model(op, {"z": [2, 4]}, {"axis": 1, "keepdims": keepdims, "select_last_index": select_last_index}, 13,
                   out_type=TensorProto.INT64)
    got = _agree(model, {"z": z}, provider)
    assert got.shape == ((2, 1) if keepdims == 1 else (2,))


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("op", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("axis", [2, -3, 7])
def test_arg_axis_out_of_range_fails(provider: str, op: str, axis: int) -> None:
    """onnxjit used to wrap the axis (axis % rank); onnxruntime refuses it."""
    model = _model(op, {"z": None}, {"axis": axis}, 13, out_type=TensorProto.INT64)
    _same_error(model, {"z": np.zeros((2, 3), np.float32)}, provider, onnxjit.Fail)


# --- pooling attributes refused at load -------------------------------------------------------------

POOL_OPSET = 19  # dilations on all three pools (AveragePool since 19, LpPool since 18)

BAD_POOL_ATTRS = [
    {"kernel_shape": [-100, -3]},
    {"kernel_shape": [-1, -1]},
    {"kernel_shape": [0, 0]},
    {"kernel_shape": [2, 0]},
    {"kernel_shape": [2, 2], "strides": [0, 1]},
    {"kernel_shape": [2, 2], "strides": [-1, 1]},
    {"kernel_shape": [2, 2], "strides": [1]},
    {"kernel_shape": [2, 2], "dilations": [0, 1]},
    {"kernel_shape": [2, 2], "dilations": [1, 1, 1]},
    {"kernel_shape": [2, 2], "pads": [-1, 0, 0, 0]},
    {"kernel_shape": [2, 2], "pads": [1, 0]},
    {"kernel_shape": [2, 2], "pads": [2, 0, 0, 0]},
]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("op", ["MaxPool", "AveragePool", "LpPool"])
@pytest.mark.parametrize("attrs", BAD_POOL_ATTRS, ids=lambda a: "-".join(f"{k}{v}" for k, v in a.items()))
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_pool_bad_attributes_refused_at_load(provider: str, op: str, attrs: dict, declared: bool) -> None:
    model = _model(op, {"x": [1, 1, 4, 4] if declared else None}, attrs, POOL_OPSET)
    assert isinstance(_ort(model, {"x": np.zeros((1, 1, 4, 4), np.float32)}), onnxruntime.capi.onnxruntime_pybind11_state.Fail)
    with warnings.catch_warnings(), pytest.raises(onnxjit.Fail):
        warnings.simplefilter("ignore")
        chain = [provider] if provider == "ReferenceExecutionProvider" else [provider, "ReferenceExecutionProvider"]
        onnxjit.InferenceSession(model.SerializeToString(), providers=chain)  # at load, not at run


MAX_UNPOOL_ATTRS = [
    ({"kernel_shape": [0, 0]}, False),
    ({"kernel_shape": [2, -1]}, False),
    ({"kernel_shape": [2, 2], "strides": [0, 1]}, False),
    ({"kernel_shape": [2, 2], "strides": [1]}, False),
    ({"kernel_shape": [2, 2], "pads": [2, 0, 0, 0]}, False),
    ({"kernel_shape": [2, 2], "pads": [1, 0]}, False),
    ({"kernel_shape": [2, 2], "pads": [-3, 0, 0, 0]}, True),  # onnxruntime's MaxUnpool takes negative pads
    ({"kernel_shape": [2, 2], "strides": [2, 2]}, True),
]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(("attrs", "valid"), MAX_UNPOOL_ATTRS, ids=[str(a) for a, _ in MAX_UNPOOL_ATTRS])
def test_max_unpool_attributes(provider: str, attrs: dict, valid: bool) -> None:
    infos = [helper.make_tensor_value_info("x", FLOAT, None), helper.make_tensor_value_info("i", TensorProto.INT64, None)]
    node = helper.make_node("MaxUnpool", ["x", "i"], ["y"], name="unpool", **attrs)
    graph = helper.make_graph([node], "g", infos, [helper.make_tensor_value_info("y", FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    feeds = {"x": np.arange(1, 5, dtype=np.float32).reshape(1, 1, 2, 2), "i": np.arange(4).reshape(1, 1, 2, 2)}
    if valid:
        _agree(model, feeds, provider)
    else:
        want = _ort(model, feeds)
        assert type(want).__name__ == "Fail", want
        with warnings.catch_warnings(), pytest.raises(onnxjit.Fail):
            warnings.simplefilter("ignore")
            chain = [provider] if provider == "ReferenceExecutionProvider" else [provider, "ReferenceExecutionProvider"]
            onnxjit.InferenceSession(model.SerializeToString(), providers=chain)  # at load


# --- pooling windows larger than the input ----------------------------------------------------------

BIG_WINDOWS = [
    ((1, 1, 1, 1), {"kernel_shape": [2, 2], "strides": [2, 2]}),  # the fuzz repro: (1-2)/2 truncates to 0
    ((1, 1, 1, 1), {"kernel_shape": [3, 3], "strides": [3, 3]}),
    ((1, 1, 1, 1), {"kernel_shape": [2, 2], "strides": [2, 2], "ceil_mode": 1}),
    ((1, 1, 1, 1), {"kernel_shape": [2, 2]}),  # size 0: an empty output
    ((1, 1, 1, 1), {"kernel_shape": [3, 3], "strides": [2, 2]}),  # size 0
    ((2, 3, 3, 3), {"kernel_shape": [4, 4], "strides": [2, 2]}),
    ((1, 2, 3, 3), {"kernel_shape": [4, 4], "strides": [3, 3], "pads": [1, 1, 1, 1]}),
    ((1, 1, 3, 3), {"kernel_shape": [2, 2], "strides": [3, 3], "dilations": [3, 3]}),
    ((1, 1, 3, 5), {"kernel_shape": [4, 2], "strides": [2, 1]}),
    ((1, 1, 3), {"kernel_shape": [5], "strides": [4]}),
]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("op", ["MaxPool", "AveragePool", "LpPool"])
@pytest.mark.parametrize(("shape", "attrs"), BIG_WINDOWS, ids=[f"{s}-{a}" for s, a in BIG_WINDOWS])
@pytest.mark.parametrize("count_include_pad", [0, 1])
def test_pool_window_larger_than_input(provider: str, op: str, shape: tuple, attrs: dict, count_include_pad: int) -> None:
    if op != "AveragePool" and count_include_pad:
        pytest.skip("count_include_pad is AveragePool's")
    attrs = dict(attrs, count_include_pad=count_include_pad) if op == "AveragePool" else dict(attrs)
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    got = _agree(_model(op, {"x": list(shape)}, attrs, POOL_OPSET), {"x": x}, provider)
    if op == "MaxPool" and shape == (1, 1, 1, 1) and got.size:
        assert got.reshape(-1)[0] == x.reshape(-1)[0]  # the window clipped to the input: its one element


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
def test_pool_negative_output_size_fails(provider: str, op: str) -> None:
    model = _model(op, {"x": [1, 1, 1, 1]}, {"kernel_shape": [3, 3]}, 13)
    _same_error(model, {"x": np.ones((1, 1, 1, 1), np.float32)}, provider, onnxjit.Fail)


# --- Gemm operand ranks -----------------------------------------------------------------------------

@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_gemm_vector_a_refused(provider: str, declared: bool) -> None:
    """ONNX's Gemm takes matrices. onnxruntime refuses a 1-D A at load when the model declares its rank,
    but reads one of undeclared rank as a (1, K) row (its GemmHelper), while onnx.reference gives (N,):
    a quirk onnxjit does not follow; every provider refuses a 1-D A with Fail."""
    feeds = {"a": np.ones(3, np.float32), "b": np.ones((3, 4), np.float32)}
    model = _model("Gemm", {"a": [3] if declared else None, "b": [3, 4] if declared else None}, {}, 13)
    want = _ort(model, feeds)
    if declared:
        assert type(want).__name__ == "Fail", want
    else:
        assert not isinstance(want, Exception) and want.shape == (1, 4)  # the quirk, documented
    with pytest.raises(onnxjit.Fail, match="must be matrices"):
        _jit(model, feeds, provider)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_gemm_dimension_mismatch(provider: str) -> None:
    feeds = {"a": np.ones((2, 3), np.float32), "b": np.ones((4, 5), np.float32)}
    _same_error(_model("Gemm", {"a": None, "b": None}, {}, 13), feeds, provider, onnxjit.InvalidArgument)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(("a_shape", "b_shape"), [((1, 4), (4, 8, 1)), ((2, 3), (3,)), ((1, 1, 4), (4, 8)), ((), (1, 8))])
def test_gemm_other_ranks_fail(provider: str, a_shape: tuple, b_shape: tuple) -> None:
    feeds = {"a": np.ones(a_shape, np.float32), "b": np.ones(b_shape, np.float32)}
    _same_error(_model("Gemm", {"a": None, "b": None}, {}, 13), feeds, provider, onnxjit.Fail)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_gemm_declared_matrices_still_agree(provider: str) -> None:
    rng = np.random.default_rng(5)
    feeds = {"a": rng.random((3, 5), dtype=np.float32), "b": rng.random((5, 4), dtype=np.float32)}
    _agree(_model("Gemm", {"a": [3, 5], "b": [5, 4]}, {"alpha": 0.5}, 13), feeds, provider)


@pytest.mark.parametrize("provider", PROVIDERS[:2])
@pytest.mark.parametrize("axis", [-2**31, 3, -4, 2**40])
def test_gather_axis_out_of_range_refused(provider: str, axis: int) -> None:
    """onnxruntime refuses a Gather axis outside [-rank, rank-1]; the CPU reference wrapped it (fuzz)."""
    idx = helper.make_tensor("idx", TensorProto.INT64, [2], [0, 1])
    model = _model("Gather", {"x": [2, 3, 4]}, {"axis": axis}, 13, initializers=(idx,))
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    assert isinstance(_ort(model, {"x": x}), Exception)
    with pytest.raises(onnxjit.OnnxJitError, match="axis"):
        onnxjit.InferenceSession(model.SerializeToString(), providers=[provider]).run(None, {"x": x})


@pytest.mark.parametrize("provider", PROVIDERS[:2])
@pytest.mark.parametrize("bias_shape", [[0, 1], [0], [2, 6]])
def test_layer_norm_bias_that_does_not_broadcast_to_x_refused(provider: str, bias_shape: list[int]) -> None:
    """A bias that does not stretch to X's shape (an empty one among them) is refused: the CPU
    reference broadcast X down to an empty result, which the fuzz harness caught."""
    scale = helper.make_tensor("scale", FLOAT, [6], np.ones(6, np.float32))
    bias = helper.make_tensor("bias", FLOAT, bias_shape, np.zeros(int(np.prod(bias_shape)), np.float32))
    model = _model("LayerNormalization", {"x": [3, 1, 6]}, {"axis": -1}, 17, initializers=(scale, bias))
    x = np.random.default_rng(0).standard_normal((3, 1, 6)).astype(np.float32)
    with pytest.raises(onnxjit.OnnxJitError):
        onnxjit.InferenceSession(model.SerializeToString(), providers=[provider]).run(None, {"x": x})
