"""OrtValue, SparseTensor, OrtDevice / OrtMemoryInfo / OrtArenaCfg, SessionIOBinding and run_async, each
compared with onnxruntime (the oracle) on the same inputs."""
from __future__ import annotations

import threading

import ml_dtypes
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import onnxjit

ort = pytest.importorskip("onnxruntime")
C = ort.capi._pybind_state

DTYPES = [np.float32, np.float64, np.float16, np.int64, np.int32, np.int8, np.uint8, np.bool_]


def _add_model() -> bytes:
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "y"], ["z"]), helper.make_node("Shape", ["x"], ["s"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("s", TensorProto.INT64, [2])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


@pytest.fixture(scope="module")
def sessions():
    data = _add_model()
    return onnxjit.InferenceSession(data), ort.InferenceSession(data, providers=["CPUExecutionProvider"])


def _feeds():
    rng = np.random.default_rng(0)
    return {"x": rng.standard_normal((2, 3)).astype(np.float32), "y": rng.standard_normal((2, 3)).astype(np.float32)}


def _raises_in_both(make, error=RuntimeError):
    """`make(module)` raises `error` with onnxruntime and with onnxjit."""
    with pytest.raises(error):
        make(ort)
    with pytest.raises(error):
        make(onnxjit)


# --- OrtValue -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_ortvalue_facts_match(dtype):
    arr = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    ours, theirs = onnxjit.OrtValue.ortvalue_from_numpy(arr), ort.OrtValue.ortvalue_from_numpy(arr)
    for method in ("element_type", "data_type", "shape", "device_name", "tensor_size_in_bytes", "is_tensor",
                   "is_sparse_tensor", "is_tensor_sequence", "has_value", "__dlpack_device__"):
        assert getattr(ours, method)() == getattr(theirs, method)(), method
    assert isinstance(ours.element_type(), int)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.data_ptr() == arr.ctypes.data == theirs.data_ptr()  # both over the caller's array


def test_array_protocol_and_dlpack_share_memory():
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    for mod in (ort, onnxjit):
        v = mod.OrtValue.ortvalue_from_numpy(arr)
        assert np.shares_memory(np.asarray(v), arr)
        assert np.asarray(v, dtype=np.float64).dtype == np.float64
        assert not np.shares_memory(np.array(v, copy=True), arr)
        exported = np.from_dlpack(v)
        assert np.shares_memory(exported, arr) and exported.dtype == np.float32
    src = np.arange(4, dtype=np.int64)
    ours, theirs = onnxjit.OrtValue.from_dlpack(src), ort.OrtValue.from_dlpack(src)
    src[0] = 9
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.numpy()[0] == 9 and ours.data_type() == theirs.data_type() == "tensor(int64)"
    from_capsule = onnxjit.OrtValue.from_dlpack(src.__dlpack__())  # a raw capsule, as onnxruntime takes
    np.testing.assert_array_equal(from_capsule.numpy(), ort.OrtValue.from_dlpack(src.__dlpack__()).numpy())
    assert onnxjit.OrtValue.from_dlpack(np.array([True, False])).data_type() == "tensor(bool)"
    _raises_in_both(lambda m: m.OrtValue.from_dlpack(5), TypeError)
    torch = pytest.importorskip("torch")
    t = torch.arange(5, dtype=torch.float32)
    np.testing.assert_array_equal(onnxjit.OrtValue.from_dlpack(t).numpy(), ort.OrtValue.from_dlpack(t).numpy())


def test_update_inplace_matches():
    base = np.zeros((2, 3), np.float32)
    for update in (np.arange(6, dtype=np.float32).reshape(2, 3), np.arange(6, dtype=np.float32) + 1,
                   np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))):
        ours, theirs = onnxjit.OrtValue.ortvalue_from_numpy(base.copy()), ort.OrtValue.ortvalue_from_numpy(base.copy())
        address = ours.data_ptr()
        ours.update_inplace(update)
        theirs.update_inplace(update)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.data_ptr() == address and ours.shape() == theirs.shape() == [2, 3]
    for mod in (ort, onnxjit):
        v = mod.OrtValue.ortvalue_from_numpy(base.copy())
        v.update_inplace(mod.OrtValue.ortvalue_from_numpy(np.full((2, 3), 7, np.float32)))
        assert (v.numpy() == 7).all()
    _raises_in_both(lambda m: m.OrtValue.ortvalue_from_numpy(base.copy()).update_inplace(np.ones(5, np.float32)))
    _raises_in_both(lambda m: m.OrtValue.ortvalue_from_numpy(base.copy()).update_inplace(
        m.OrtValue.ortvalue_from_numpy(np.ones(5, np.float32))))
    _raises_in_both(lambda m: m.OrtValue.ortvalue_from_numpy(base.copy()).update_inplace(
        m.OrtValue.ortvalue_from_numpy(np.ones(6, np.int64))))
    _raises_in_both(lambda m: m.OrtValue.ortvalue_from_numpy(base.copy()).update_inplace([1.0] * 6), TypeError)
    # a deliberate difference: onnxruntime copies a float64 array's bytes into float32 memory; onnxjit refuses
    with pytest.raises(RuntimeError, match="dtype"):
        onnxjit.OrtValue.ortvalue_from_numpy(base.copy()).update_inplace(np.ones((2, 3), np.float64))


@pytest.mark.parametrize("onnx_type,raw", [(TensorProto.BFLOAT16, np.array([16256, 16384, 49216], np.uint16)),
                                           (TensorProto.FLOAT16, np.array([15360, 16384], np.uint16)),
                                           (TensorProto.FLOAT8E4M3FN, np.array([0x38, 0x40], np.uint8))])
def test_ortvalue_from_numpy_with_onnx_type(onnx_type, raw):
    ours = onnxjit.OrtValue.ortvalue_from_numpy_with_onnx_type(raw, onnx_type)
    theirs = ort.OrtValue.ortvalue_from_numpy_with_onnx_type(raw, onnx_type)
    for method in ("data_type", "element_type", "shape", "tensor_size_in_bytes"):
        assert getattr(ours, method)() == getattr(theirs, method)(), method
    assert ours.data_ptr() == raw.ctypes.data  # no copy
    # onnxruntime cannot give bfloat16 to numpy; onnxjit gives the ml_dtypes view of the same bytes
    np.testing.assert_array_equal(ours.numpy().view(raw.dtype), raw)
    if onnx_type == TensorProto.BFLOAT16:
        np.testing.assert_array_equal(ours.numpy().astype(np.float32), [1.0, 2.0, -3.0])
    else:
        np.testing.assert_array_equal(ours.numpy().view(raw.dtype), theirs.numpy().view(raw.dtype))


def test_with_onnx_type_errors_match():
    _raises_in_both(lambda m: m.OrtValue.ortvalue_from_numpy_with_onnx_type(np.ones(2, np.float32),
                                                                            TensorProto.BFLOAT16))
    _raises_in_both(lambda m: m.OrtValue.ortvalue_from_numpy_with_onnx_type(np.ones(2, np.uint16), 99))


@pytest.mark.parametrize("element_type", [np.float32, np.int64, np.bool_, TensorProto.FLOAT16,
                                          TensorProto.BFLOAT16, TensorProto.FLOAT])
def test_ortvalue_from_shape_and_type(element_type):
    ours = onnxjit.OrtValue.ortvalue_from_shape_and_type([2, 0, 3] if element_type == np.int64 else [2, 3],
                                                         element_type)
    theirs = ort.OrtValue.ortvalue_from_shape_and_type([2, 0, 3] if element_type == np.int64 else [2, 3],
                                                       element_type)
    for method in ("data_type", "element_type", "shape", "tensor_size_in_bytes", "device_name"):
        assert getattr(ours, method)() == getattr(theirs, method)(), method


def test_ortvalue_creation_errors_match():
    _raises_in_both(lambda m: m.OrtValue.ortvalue_from_shape_and_type([-1], np.float32))
    _raises_in_both(lambda m: m.OrtValue.ortvalue_from_shape_and_type([2], 99))
    _raises_in_both(lambda m: m.OrtValue.ortvalue_from_shape_and_type([2], np.str_))
    _raises_in_both(lambda m: m.OrtValue.ortvalue_from_numpy(np.zeros(2), "foo"), Exception)
    _raises_in_both(lambda m: m.OrtValue.ortvalue_from_numpy(np.zeros(2), "dml"))  # a device neither has here


# --- SparseTensor ---------------------------------------------------------------------------------
def _cpu(mod):
    return mod.OrtDevice.make("cpu", 0)


@pytest.mark.parametrize("indices", [np.array([0, 5, 7], np.int64), np.array([[0, 0], [1, 1], [1, 3]], np.int64),
                                     np.array([0, 0, 1, 1, 1, 3], np.int64), np.array([0, 5, 7], np.int32)])
def test_sparse_coo_matches(indices):
    values = np.array([1.0, 2.0, 3.0], np.float32)
    ours = onnxjit.SparseTensor.sparse_coo_from_numpy([2, 4], values, indices, _cpu(onnxjit))
    theirs = ort.SparseTensor.sparse_coo_from_numpy([2, 4], values, indices, _cpu(ort))
    assert int(ours.format()) == int(theirs.format()) == int(onnxjit.OrtSparseFormat.ORT_SPARSE_COO)
    assert ours.dense_shape() == theirs.dense_shape() == [2, 4]
    assert ours.data_type() == theirs.data_type() == "sparse_tensor(float)"
    assert ours.device_name() == theirs.device_name() == "cpu"
    np.testing.assert_array_equal(ours.values(), theirs.values())
    assert np.shares_memory(ours.values(), values)
    ours_idx, theirs_idx = ours.as_coo_view().indices(), theirs.as_coo_view().indices()
    assert ours.values().flags.writeable == theirs.values().flags.writeable == False  # noqa: E712
    assert ours_idx.flags.writeable == theirs_idx.flags.writeable == False  # noqa: E712
    assert ours_idx.dtype == theirs_idx.dtype and ours_idx.shape == theirs_idx.shape
    np.testing.assert_array_equal(ours_idx, theirs_idx)
    np.testing.assert_array_equal(ours.to_dense(), [[1, 0, 0, 0], [0, 2, 0, 3]])
    with pytest.raises(RuntimeError):
        theirs.as_csrc_view()
    with pytest.raises(RuntimeError, match="CSR"):
        ours.as_csrc_view()
    with pytest.raises(RuntimeError, match="BlockSparse"):
        ours.as_blocksparse_view()


def test_sparse_csr_matches():
    values, inner, outer = np.array([1.0, 2.0, 3.0], np.float64), np.array([0, 1, 3]), np.array([0, 1, 3])
    ours = onnxjit.SparseTensor.sparse_csr_from_numpy([2, 4], values, inner, outer, _cpu(onnxjit))
    theirs = ort.SparseTensor.sparse_csr_from_numpy([2, 4], values, inner, outer, _cpu(ort))
    assert int(ours.format()) == int(theirs.format())
    assert ours.dense_shape() == theirs.dense_shape() and ours.data_type() == theirs.data_type()
    np.testing.assert_array_equal(ours.values(), theirs.values())
    np.testing.assert_array_equal(ours.as_csrc_view().inner(), theirs.as_csrc_view().inner())
    np.testing.assert_array_equal(ours.as_csrc_view().outer(), theirs.as_csrc_view().outer())
    for view in ("inner", "outer"):
        assert getattr(ours.as_csrc_view(), view)().flags.writeable == \
            getattr(theirs.as_csrc_view(), view)().flags.writeable
    np.testing.assert_array_equal(ours.to_dense(), [[1, 0, 0, 0], [0, 2, 0, 3]])
    with pytest.raises(RuntimeError, match="COO"):
        ours.as_coo_view()


def test_sparse_errors_match():
    vals = np.array([1.0, 2.0, 3.0], np.float32)
    _raises_in_both(lambda m: m.SparseTensor.sparse_coo_from_numpy([2, 4], vals, np.array([0, 1]), _cpu(m)))
    _raises_in_both(lambda m: m.SparseTensor.sparse_coo_from_numpy([2, 4], vals.reshape(3, 1), np.arange(3), _cpu(m)))
    _raises_in_both(lambda m: m.SparseTensor.sparse_csr_from_numpy([2, 4], vals, np.arange(3), np.array([0, 3]),
                                                                   _cpu(m)))
    _raises_in_both(lambda m: m.SparseTensor.sparse_csr_from_numpy([2, 2, 2], vals, np.arange(3), np.array([0, 1, 3]),
                                                                   _cpu(m)))
    # onnxruntime without CUDA: "Cuda is not available in this build"; onnxjit keeps sparse tensors on the host
    _raises_in_both(lambda m: m.SparseTensor.sparse_coo_from_numpy([2, 4], vals, np.arange(3), _cpu(m)).to_cuda(
        m.OrtDevice.make("cuda", 0)))


def test_sparse_strings_and_empty():
    strings = np.array(["a", "bb"])
    ours = onnxjit.SparseTensor.sparse_coo_from_numpy([3], strings, np.array([0, 2]), _cpu(onnxjit))
    theirs = ort.SparseTensor.sparse_coo_from_numpy([3], strings, np.array([0, 2]), _cpu(ort))
    assert ours.data_type() == theirs.data_type() == "sparse_tensor(string)"
    assert ours.values().dtype == theirs.values().dtype == object
    assert list(ours.values()) == list(theirs.values())
    empty = onnxjit.SparseTensor.sparse_coo_from_numpy([2, 4], np.array([], np.float32), np.array([], np.int64),
                                                       _cpu(onnxjit))
    assert empty.values().size == 0 and empty.as_coo_view().indices().size == 0
    assert not empty.to_dense().any()


def test_block_sparse_matches_capi():
    vals, idx = np.arange(8, dtype=np.float32).reshape(2, 2, 2), np.array([[0, 1], [1, 0]], np.int32)
    ours = onnxjit.SparseTensor.blocksparse_from_numpy([4, 4], vals, idx, _cpu(onnxjit))
    theirs = ort.SparseTensor(C.SparseTensor.blocksparse_from_numpy([4, 4], vals, idx, _cpu(ort)._get_c_device()))
    assert int(ours.format()) == int(theirs.format()) == 4
    assert ours.dense_shape() == theirs.dense_shape() and ours.data_type() == theirs.data_type()
    np.testing.assert_array_equal(ours.values(), theirs.values())
    # onnxruntime 1.32's view reads the int32 indices as int64 and raises; onnxjit returns them
    assert ours.as_blocksparse_view().indices().dtype == np.int32
    np.testing.assert_array_equal(ours.as_blocksparse_view().indices(), idx)
    for bad in ((vals, np.array([0, 1], np.int32)), (vals.reshape(-1), idx)):
        with pytest.raises(RuntimeError):
            C.SparseTensor.blocksparse_from_numpy([4, 4], *bad, _cpu(ort)._get_c_device())
        with pytest.raises(RuntimeError):
            onnxjit.SparseTensor.blocksparse_from_numpy([4, 4], *bad, _cpu(onnxjit))


def test_sparse_ortvalue_matches():
    vals, idx = np.array([1.0, 2.0], np.float32), np.array([1, 6])
    ours = onnxjit.OrtValue.ort_value_from_sparse_tensor(
        onnxjit.SparseTensor.sparse_coo_from_numpy([2, 4], vals, idx, _cpu(onnxjit)))
    theirs = ort.OrtValue.ort_value_from_sparse_tensor(
        ort.SparseTensor.sparse_coo_from_numpy([2, 4], vals, idx, _cpu(ort)))
    for method in ("is_sparse_tensor", "is_tensor", "is_tensor_sequence", "has_value", "data_type", "shape",
                   "element_type", "device_name"):
        assert getattr(ours, method)() == getattr(theirs, method)(), method
    for method in ("numpy", "tensor_size_in_bytes", "data_ptr"):
        with pytest.raises(RuntimeError):
            getattr(theirs, method)()
        with pytest.raises(RuntimeError):
            getattr(ours, method)()
    np.testing.assert_array_equal(ours.as_sparse_tensor().values(), theirs.as_sparse_tensor().values())
    _raises_in_both(lambda m: m.OrtValue.ortvalue_from_numpy(vals).as_sparse_tensor())


# --- devices, memory info, allocators -------------------------------------------------------------
@pytest.mark.parametrize("name", ["cpu", "cuda", "dml", "cann", "gpu", "npu", "webgpu"])
def test_ort_device_make_matches(name):
    ours, theirs = onnxjit.OrtDevice.make(name, 1), ort.OrtDevice.make(name, 1)
    for method in ("device_id", "device_type", "device_vendor_id", "device_mem_type"):
        assert getattr(ours, method)() == getattr(theirs, method)(), method
    with_vendor = onnxjit.OrtDevice.make(name, 0, onnxjit.OrtDeviceVendorId.INTEL)
    assert with_vendor.device_vendor_id() == ort.OrtDevice.make(name, 0, ort.OrtDeviceVendorId.INTEL).device_vendor_id()


def test_ort_device_codes_and_capi_constructor_match():
    for code in ("cpu", "cuda", "gpu", "npu", "fpga", "dml", "cann", "webgpu", "default_memory"):
        assert getattr(onnxjit.OrtDevice, code)() == getattr(C.OrtDevice, code)(), code
    for args in ((1, 0, 2), (1, 0, 0x10DE, 3), (0, 0, 0), (4, 0, 3), (4, 0, 0x8086, 1)):
        ours, theirs = onnxjit.OrtDevice(*args), C.OrtDevice(*args)
        assert (ours.device_type(), ours.mem_type(), ours.vendor_id(), ours.device_id()) == \
            (theirs.device_type(), theirs.mem_type(), theirs.vendor_id(), theirs.device_id())
    assert dict(onnxjit.OrtDeviceVendorId.__members__) .keys() == dict(ort.OrtDeviceVendorId.__members__).keys()
    assert all(int(onnxjit.OrtDeviceVendorId[k]) == int(v) for k, v in ort.OrtDeviceVendorId.__members__.items())
    _raises_in_both(lambda m: m.OrtDevice.make("foo", 0), Exception)


def _memory_facts(info):
    return (info.name, info.device_id, int(info.mem_type), int(info.allocator_type), int(info.device_mem_type),
            info.device_vendor_id)


@pytest.mark.parametrize("name", ["Cpu", "Cuda", "CudaPinned", "DML", "OpenVINO_GPU", "QnnHtpShared",
                                  "WebGPU_Buffer", "Hip", "HipPinned"])
def test_memory_info_matches(name):
    ours = onnxjit.OrtMemoryInfo(name, onnxjit.OrtAllocatorType.ORT_DEVICE_ALLOCATOR, 2, onnxjit.OrtMemType.DEFAULT)
    theirs = ort.OrtMemoryInfo(name, ort.OrtAllocatorType.ORT_DEVICE_ALLOCATOR, 2, ort.OrtMemType.DEFAULT)
    assert _memory_facts(ours) == _memory_facts(theirs)


def test_memory_info_v2_and_errors_match():
    args = ("MyGpu", 1, 0x10DE, 1, 0, 0, 0)
    ours = onnxjit.OrtMemoryInfo.create_v2(*args)
    theirs = ort.OrtMemoryInfo.create_v2(args[0], ort.OrtMemoryInfoDeviceType.GPU, 0x10DE, 1,
                                         ort.OrtDeviceMemoryType.DEFAULT, 0, ort.OrtAllocatorType.ORT_DEVICE_ALLOCATOR)
    assert _memory_facts(ours) == _memory_facts(theirs)
    for bad in ("CPU", "cpu", "OpenVINO_CPU"):
        _raises_in_both(lambda m: m.OrtMemoryInfo(bad, m.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, m.OrtMemType.DEFAULT))
    with pytest.raises(AttributeError):
        ours.name = "x"


def test_arena_cfg_and_allocators_match():
    for args in ((0, -1, -1, -1), ({"max_mem": 1024, "arena_extend_strategy": 1, "initial_chunk_size_bytes": 256,
                                    "max_power_of_two_extend_bytes": 4096},)):
        ours, theirs = onnxjit.OrtArenaCfg(*args), ort.OrtArenaCfg(*args)
        for key in ("max_mem", "arena_extend_strategy", "initial_chunk_size_bytes", "max_dead_bytes_per_chunk",
                    "initial_growth_chunk_size_bytes", "max_power_of_two_extend_bytes"):
            assert getattr(ours, key) == getattr(theirs, key), key
    _raises_in_both(lambda m: m.OrtArenaCfg({"bogus": 1}))
    cfg = onnxjit.OrtArenaCfg(0, -1, -1, -1)
    cpu_info = onnxjit.OrtMemoryInfo("Cpu", onnxjit.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, onnxjit.OrtMemType.DEFAULT)
    assert onnxjit.create_and_register_allocator(cpu_info, cfg) is None
    assert onnxjit.create_and_register_allocator_v2("CPUExecutionProvider", cpu_info, {}, cfg) is None
    from onnxjit.runtime.device import registered_allocators

    assert registered_allocators()[-1][:2] == ("CPUExecutionProvider", cpu_info)
    _raises_in_both(lambda m: m.create_and_register_allocator(
        m.OrtMemoryInfo("Cuda", m.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, m.OrtMemType.DEFAULT),
        m.OrtArenaCfg(0, -1, -1, -1)))
    assert onnxjit.has_collective_ops() == ort.has_collective_ops()


# --- session: memory infos, run_async, OrtValue outputs, IOBinding -------------------------------
def test_session_memory_infos_match(sessions):
    ours, theirs = sessions
    for method in ("get_input_memory_infos", "get_output_memory_infos"):
        assert [_memory_facts(i) for i in getattr(ours, method)()] == \
            [_memory_facts(i) for i in getattr(theirs, method)()], method


def _run_async(sess, output_names, feeds, user_data):
    done, got = threading.Event(), {}

    def callback(results, data, err):
        got.update(results=results, data=data, err=err, main=threading.current_thread() is threading.main_thread())
        done.set()

    assert sess.run_async(output_names, feeds, callback, user_data) is None
    assert done.wait(60)
    return got


def test_run_async_matches(sessions):
    ours, theirs = sessions
    feeds = _feeds()
    a, b = _run_async(ours, None, feeds, "data"), _run_async(theirs, None, feeds, "data")
    assert a["err"] == b["err"] == "" and a["data"] == "data" and not a["main"]
    assert len(a["results"]) == len(b["results"]) == 2
    for x, y in zip(a["results"], b["results"]):
        np.testing.assert_allclose(x, y, rtol=1e-6)
    for bad_names, bad_feeds in ((["nope"], feeds), (None, {**feeds, "x": np.ones((3, 3), np.float32)}),
                                 (None, {**feeds, "y": feeds["y"].astype(np.float64)})):
        a, b = _run_async(ours, bad_names, bad_feeds, 7), _run_async(theirs, bad_names, bad_feeds, 7)
        assert a["results"] == b["results"] == [] and a["data"] == 7 and a["err"] and b["err"]
    for sess in sessions:  # a missing input raises at once, before any thread
        with pytest.raises(ValueError, match="missing"):
            sess.run_async(None, {"x": feeds["x"]}, lambda *_: None, None)


def test_run_with_ort_values_sequence_output():
    graph = helper.make_graph(
        [helper.make_node("SequenceConstruct", ["x", "x"], ["s"]), helper.make_node("Identity", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    data = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()
    x = np.array([1.0, 2.0], np.float32)
    ours = onnxjit.InferenceSession(data).run_with_ort_values(None, {"x": onnxjit.OrtValue.ortvalue_from_numpy(x)})
    theirs = ort.InferenceSession(data, providers=["CPUExecutionProvider"]).run_with_ort_values(
        None, {"x": ort.OrtValue.ortvalue_from_numpy(x)})
    for method in ("is_tensor", "is_tensor_sequence", "is_sparse_tensor", "has_value", "data_type", "element_type"):
        assert [getattr(v, method)() for v in ours] == [getattr(v, method)() for v in theirs], method
    with pytest.raises(RuntimeError):
        theirs[0].numpy()
    with pytest.raises(RuntimeError):
        ours[0].numpy()
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())


def test_iobinding_ortvaluevector_matches(sessions):
    feeds = _feeds()
    outputs = []
    for mod, sess in zip((onnxjit, ort), sessions):
        io = sess.io_binding()
        io.bind_cpu_input("x", feeds["x"])
        io.bind_ortvalue_input("y", mod.OrtValue.ortvalue_from_numpy(feeds["y"]))
        io.bind_output("z")
        io.bind_output("s", "cpu")
        sess.run_with_iobinding(io)
        vec = io.get_outputs_as_ortvaluevector()
        outputs.append((len(vec), [vec.element_type_at(i) for i in range(len(vec))],
                        [vec[i].numpy() for i in range(len(vec))], io.copy_outputs_to_cpu()))
        io.synchronize_inputs()
        io.synchronize_outputs()
        io.clear_binding_inputs()
        io.clear_binding_outputs()
    (n1, t1, v1, c1), (n2, t2, v2, c2) = outputs
    assert n1 == n2 == 2 and t1 == t2 == [TensorProto.FLOAT, TensorProto.INT64]
    for a, b in zip(v1 + c1, v2 + c2):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_session_iobinding_capi_form_matches(sessions):
    """onnxruntime code drives the low-level binding with the session's inner `_sess` and OrtDevice."""
    feeds = _feeds()
    results = []
    for mod, sess in zip((onnxjit, C), sessions):
        bind = mod.SessionIOBinding(sess._sess)
        bind.bind_input("x", feeds["x"])
        y = feeds["y"].copy()
        bind.bind_input("y", mod.OrtDevice(mod.OrtDevice.cpu(), mod.OrtDevice.default_memory(), 0), np.float32,
                        list(y.shape), y.ctypes.data)
        bind.bind_output("z", mod.OrtDevice(mod.OrtDevice.cpu(), mod.OrtDevice.default_memory(), 0))
        sess._sess.run_with_iobinding(bind, None)
        results.append((bind.copy_outputs_to_cpu(), len(bind.get_outputs())))
    (ours, n1), (theirs, n2) = results
    assert n1 == n2 == 1
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)


def test_update_inplace_feeds_bound_iobinding(sessions):
    """The CUDA-graph pattern: fixed OrtValues bound once, inputs refreshed with update_inplace between runs."""
    feeds, other = _feeds(), _feeds()
    other["x"] = other["x"] * 3
    results = []
    for mod, sess in zip((onnxjit, ort), sessions):
        x, y = mod.OrtValue.ortvalue_from_numpy(feeds["x"].copy()), mod.OrtValue.ortvalue_from_numpy(feeds["y"])
        z = mod.OrtValue.ortvalue_from_shape_and_type([2, 3], np.float32)
        io = sess.io_binding()
        io.bind_ortvalue_input("x", x)
        io.bind_ortvalue_input("y", y)
        io.bind_ortvalue_output("z", z)
        sess.run_with_iobinding(io)
        first = z.numpy().copy()
        x.update_inplace(other["x"])
        sess.run_with_iobinding(io)
        results.append((first, z.numpy().copy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(results[0][1], other["x"] + feeds["y"], rtol=1e-6)

