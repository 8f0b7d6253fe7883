"""OrtValue: a value for onnxruntime's API: a tensor in host memory (a numpy array) or in device memory,
a tensor sequence (a list of arrays), a SparseTensor, or an optional without a value (None).

Device ('cuda') values are torch tensors allocated through the Triton provider's device: on a GPU
machine they live on the GPU; without one, under TRITON_INTERPRET=1, CPU torch tensors stand in for
them (the Triton interpreter's memory), so the device paths run in CPU tests.
"""
from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from onnx import TensorProto

from onnxjit.compiler.dtypes import from_numpy_dtype, ort_type_name, to_numpy_dtype
from onnxjit.errors import NotImplemented as OrtNotImplemented
from onnxjit.errors import OrtRuntimeError
from onnxjit.runtime.device import OrtDevice, OrtMemoryInfo, device_from
from onnxjit.runtime.sparse import SparseTensor

DEVICE_TYPES = ("cpu", "cuda")


def _device(device_type: str, device_id: int = 0):
    """The Triton provider's device for 'cuda' values (the GPU, or the interpreter's CPU memory)."""
    if device_type.lower() not in DEVICE_TYPES:
        raise OrtRuntimeError(f"device '{device_type}' is not supported; onnxjit knows {DEVICE_TYPES}")
    from onnxjit.providers.triton.device import (
        current_device,
        triton_available,
        unavailable_reason,
    )

    if not triton_available():
        # a RuntimeError, as onnxruntime's "Can't allocate memory on the device using this package"
        raise OrtRuntimeError(f"device '{device_type}' needs the Triton provider, which cannot run here "
                              f"({unavailable_reason()})")
    return current_device()


class _CudaArrayInterface:
    """Raw device memory described for torch.as_tensor (`__cuda_array_interface__`, version 3)."""

    def __init__(self, ptr: int, shape: tuple[int, ...], dtype: np.dtype):
        self.__cuda_array_interface__ = {"shape": tuple(shape), "typestr": np.dtype(dtype).str,
                                         "data": (int(ptr), False), "strides": None, "version": 3}


def host_array_at(ptr: int, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """A numpy view of host memory at `ptr` (the caller keeps it alive, as with onnxruntime)."""
    dtype = np.dtype(dtype)
    n = int(np.prod(shape)) * dtype.itemsize
    buf = (ctypes.c_byte * n).from_address(int(ptr)) if n else bytearray(0)
    return np.frombuffer(buf, dtype=dtype).reshape(shape)


_ONNX_TYPE_BY_NAME: dict[str, int] = {ort_type_name(t): t for t in TensorProto.DataType.values()
                                       if t != TensorProto.UNDEFINED}


def placement(device: Any, device_id: int = 0, vendor_id: int = -1) -> tuple[str, int]:
    """('cpu', 0) or ('cuda', id) for a device name ('cpu', 'cuda', ...) or an OrtDevice; onnxruntime's other
    device names (dml, cann, npu, webgpu, other vendors' gpus) raise a RuntimeError, as a build of onnxruntime
    without them does."""
    dev = device_from(device, device_id, vendor_id)
    if dev.onnxjit_device_type == "cpu":
        return "cpu", 0
    if dev.device_type() == OrtDevice.cuda() and dev.vendor_id() in (0, 0x10DE):
        return "cuda", dev.device_id()
    raise OrtRuntimeError(f"{dev!r}: onnxjit keeps values on the CPU or on a CUDA GPU (Triton provider) only")


def numpy_dtype(element_type: Any) -> np.dtype:
    """numpy dtype for a numpy type or an ONNX TensorProto element type (int)."""
    if isinstance(element_type, (int, np.integer)) and not isinstance(element_type, bool):
        try:
            return to_numpy_dtype(int(element_type))
        except ValueError:
            raise OrtRuntimeError(f"tensor type {int(element_type)} is not supported") from None
    return np.dtype(element_type)


def _not_a_tensor(what: str) -> OrtRuntimeError:
    return OrtRuntimeError(f"{what}: this OrtValue is not a Tensor. Only OrtValues that are Tensors are "
                           f"currently supported")


class OrtValue:
    """A value of onnxruntime's API. `OrtValue(other)` wraps another OrtValue's content, as onnxruntime's
    `OrtValue(c_ortvalue)` does."""

    def __init__(self, value: Any, device_type: str = "cpu", device_id: int = 0, *, data_type: str | None = None):
        if isinstance(value, OrtValue):
            value, device_type, device_id, data_type = (value._value, value._device_type, value._device_id,
                                                        value._data_type)
        elif isinstance(device_type, np.ndarray) or device_type is None:  # onnxruntime's (ortvalue, numpy_obj)
            device_type = "cpu"
        self._value = value  # np.ndarray ('cpu'), a torch tensor ('cuda'), list, SparseTensor or None
        self._device_type = device_type.lower()
        self._device_id = device_id
        self._data_type = data_type  # the declared type of a sequence / optional (ort_type_string form)

    # --- construction ---------------------------------------------------------------------
    @staticmethod
    def ortvalue_from_numpy(numpy_obj: Any, /, device_type: Any = "cpu", device_id: int = 0,
                            vendor_id: int = -1) -> OrtValue:
        """A tensor over `numpy_obj` (shared, not copied, on the CPU); `device_type` may be an OrtDevice."""
        arr = np.ascontiguousarray(numpy_obj)
        where, index = placement(device_type, device_id, vendor_id)
        if where == "cpu":
            return OrtValue(arr)
        dev = _device(where, index)
        return OrtValue(dev.upload(arr).view(arr.shape), where, index)

    @staticmethod
    def ortvalue_from_numpy_with_onnx_type(data: np.ndarray, /, onnx_element_type: int) -> OrtValue:
        """A tensor over `data`'s bytes read as ONNX type `onnx_element_type` (no copy): how a bfloat16 or
        float8 tensor is made from uint16 / uint8 arrays. The item sizes must be equal."""
        if not isinstance(data, np.ndarray):
            raise TypeError(f"data must be a numpy.ndarray, got {type(data).__name__}")
        try:
            dtype = to_numpy_dtype(int(onnx_element_type))
        except ValueError:
            raise OrtRuntimeError(f"Not a valid ONNX Tensor data type: {int(onnx_element_type)}") from None
        if data.dtype.itemsize != dtype.itemsize or data.dtype == object or dtype == object:
            raise OrtRuntimeError(f"Items size in the incoming array: {data.dtype.itemsize} specified by onnxtype: "
                                  f"{dtype.itemsize}")
        return OrtValue(np.ascontiguousarray(data).view(dtype))

    @staticmethod
    def ortvalue_from_shape_and_type(shape: Any, element_type: Any = np.float32, device_type: Any = "cpu",
                                     device_id: int = 0, vendor_id: int = -1,
                                     memory_info: OrtMemoryInfo | None = None) -> OrtValue:
        """A new tensor (zero-filled on the CPU); `element_type` is a numpy type or an ONNX type number."""
        shape = tuple(int(d) for d in shape)
        if any(d < 0 for d in shape):
            raise OrtRuntimeError(f"Tensor shape.Size() must be >= 0; got shape {list(shape)}")
        dtype = numpy_dtype(element_type)
        if dtype.kind in "OUS":
            raise OrtRuntimeError("Creation of OrtValues is currently only supported from non-string numpy arrays")
        where, index = placement(memory_info.device if memory_info is not None else device_type, device_id, vendor_id)
        if where == "cpu":
            return OrtValue(np.zeros(shape, dtype=dtype))
        dev = _device(where, index)
        return OrtValue(dev.empty(int(np.prod(shape)), dtype.name).view(shape), where, index)

    @staticmethod
    def ort_value_from_sparse_tensor(sparse_tensor: SparseTensor) -> OrtValue:
        if not isinstance(sparse_tensor, SparseTensor):
            raise TypeError(f"expected a SparseTensor, got {type(sparse_tensor).__name__}")
        return OrtValue(sparse_tensor)

    @staticmethod
    def from_pointer(device_type: str, device_id: int, element_type: Any, shape: Any, ptr: int) -> OrtValue:
        """Memory the caller owns (IOBinding.bind_input/bind_output with a buffer pointer)."""
        shape = tuple(int(d) for d in shape)
        device_type, device_id = placement(device_type, device_id)
        element_type = numpy_dtype(element_type)
        if device_type == "cpu":
            return OrtValue(host_array_at(ptr, shape, element_type))
        dev = _device(device_type, device_id)
        if dev.torch_device.type == "cpu":  # interpreter stand-in: the 'device' pointer is host memory
            import torch

            return OrtValue(torch.from_numpy(host_array_at(ptr, shape, element_type)), device_type, device_id)
        import torch

        return OrtValue(torch.as_tensor(_CudaArrayInterface(ptr, shape, element_type), device=dev.torch_device),
                        device_type, device_id)

    @classmethod
    def from_dlpack(cls, data: Any, /) -> OrtValue:
        """A tensor sharing memory with a DLPack producer (numpy, torch, ...) or a raw 'dltensor' capsule."""
        capsule_device = _capsule_device(data) if not hasattr(data, "__dlpack__") else None
        device = data.__dlpack_device__()[0] if hasattr(data, "__dlpack_device__") else capsule_device
        if device == 1:  # kDLCPU
            source = data if hasattr(data, "__dlpack__") else _Capsule(data)
            try:
                return cls(np.from_dlpack(source))
            except BufferError as exc:
                raise OrtRuntimeError(f"from_dlpack: {exc}") from exc
        if device == 2:  # kDLCUDA
            import torch

            tensor = torch.from_dlpack(data) if hasattr(data, "__dlpack__") else torch.utils.dlpack.from_dlpack(data)
            placement("cuda", tensor.device.index or 0)
            return cls(tensor.contiguous(), "cuda", tensor.device.index or 0)
        raise OrtNotImplemented(f"from_dlpack: DLPack device type {device} is not supported (CPU 1 and CUDA 2 are)")

    # --- kind -----------------------------------------------------------------------------
    def _is_device_tensor(self) -> bool:
        return self._device_type != "cpu" and not isinstance(self._value, (np.ndarray, list, SparseTensor)) \
            and self._value is not None

    def is_tensor(self) -> bool:
        return isinstance(self._value, np.ndarray) or self._is_device_tensor()

    def is_sparse_tensor(self) -> bool:
        return isinstance(self._value, SparseTensor)

    def is_tensor_sequence(self) -> bool:
        return isinstance(self._value, list)

    def has_value(self) -> bool:
        return self._value is not None

    def _tensor(self, what: str) -> Any:
        if not self.is_tensor():
            raise _not_a_tensor(what)
        return self._value

    # --- accessors ------------------------------------------------------------------------
    @property
    def device_tensor(self) -> Any:
        """The torch tensor of a device value (onnxjit extension); None for host values."""
        return self._value if self._is_device_tensor() else None

    def numpy(self) -> np.ndarray:
        value = self._tensor("numpy")
        if isinstance(value, np.ndarray):
            return value
        return value.detach().to("cpu", copy=True).numpy()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        arr = self.numpy()
        if copy is not None:
            return np.array(arr, dtype=dtype, copy=copy)
        return np.asarray(arr, dtype=dtype) if dtype is not None else arr

    def _dtype(self) -> np.dtype:
        value = self._tensor("element type")
        if isinstance(value, np.ndarray):
            return value.dtype
        return np.dtype(str(value.dtype).split(".")[-1])

    def shape(self) -> list[int]:
        if isinstance(self._value, SparseTensor):
            return self._value.dense_shape()
        return list(self._tensor("shape").shape)

    def data_type(self) -> str:
        if isinstance(self._value, SparseTensor):
            return self._value.data_type()
        if self.is_tensor():
            return f"tensor({ort_type_name(from_numpy_dtype(self._dtype()))})"
        if self._data_type is not None:
            return self._data_type
        if isinstance(self._value, list) and self._value:
            return f"seq(tensor({ort_type_name(from_numpy_dtype(np.asarray(self._value[0]).dtype))}))"
        raise OrtRuntimeError("data_type: the type of this OrtValue is unknown (an empty sequence or a missing "
                              "optional made without a declared type)")

    def element_type(self) -> int:
        """The ONNX element type (TensorProto enum) of a tensor, sparse tensor or a sequence's tensors."""
        if isinstance(self._value, SparseTensor):
            return self._value.element_type()
        if self.is_tensor():
            return from_numpy_dtype(self._dtype())
        inner = self.data_type()
        name = inner[inner.rindex("(") + 1:inner.index(")")]
        return _ONNX_TYPE_BY_NAME[name]

    def device_name(self) -> str:
        if self._value is None or isinstance(self._value, (list, dict)):
            raise OrtRuntimeError("device_name: Only OrtValues that are Tensors/SparseTensors are currently supported")
        return self._device_type

    def tensor_size_in_bytes(self) -> int:
        value = self._tensor("tensor_size_in_bytes")
        return int(np.prod(value.shape)) * self._dtype().itemsize

    def data_ptr(self) -> int:
        value = self._tensor("data_ptr")
        if isinstance(value, np.ndarray):
            return int(value.ctypes.data)
        return int(value.data_ptr())

    def as_sparse_tensor(self) -> SparseTensor:
        if not isinstance(self._value, SparseTensor):
            raise OrtRuntimeError("This OrtValue does not contain SparseTensor. Check data_type() value.")
        return self._value

    # --- DLPack ---------------------------------------------------------------------------
    def __dlpack__(self, *, stream: Any = None) -> Any:
        value = self._tensor("__dlpack__")
        if isinstance(value, np.ndarray):
            return value.__dlpack__()
        return value.__dlpack__() if stream is None else value.__dlpack__(stream=stream)

    def __dlpack_device__(self) -> tuple[int, int]:
        value = self._tensor("__dlpack_device__")
        if isinstance(value, np.ndarray):
            return (1, 0)
        device_type, device_id = value.__dlpack_device__()
        return int(device_type), int(device_id)

    def to_dlpack(self) -> Any:
        """A DLPack capsule of this tensor (onnxruntime's capi name)."""
        return self.__dlpack__()

    # --- writing --------------------------------------------------------------------------
    def update_inplace(self, data: Any) -> None:
        """Copy `data` (a numpy array or an OrtValue) into this tensor's memory, which stays where it is."""
        target = self._tensor("update_inplace")
        if isinstance(data, OrtValue):
            if data._dtype() != self._dtype():
                raise OrtRuntimeError("The source and destination OrtValues must have the same data type")
            if data.tensor_size_in_bytes() != self.tensor_size_in_bytes():
                raise OrtRuntimeError("The source and destination OrtValues must have the same size")
            source = data.device_tensor if data.device_tensor is not None else data.numpy()
        elif isinstance(data, np.ndarray):
            if data.size != int(np.prod(target.shape)):
                raise OrtRuntimeError("The input size of numpy arrays does not match the size of the OrtValue.")
            if data.dtype != self._dtype():
                # onnxruntime copies the bytes whatever the dtype; onnxjit refuses rather than write garbage
                raise OrtRuntimeError(f"update_inplace: the array's dtype {data.dtype} differs from the OrtValue's "
                                      f"{self._dtype()}")
            source = np.ascontiguousarray(data)
        else:
            raise TypeError("data must be a numpy.ndarray or an OrtValue.")
        if isinstance(target, np.ndarray):
            if not target.flags.writeable:
                raise OrtRuntimeError("update_inplace: this OrtValue's memory is read-only")
            host = source if isinstance(source, np.ndarray) else source.detach().to("cpu").numpy()
            np.copyto(target, host.reshape(target.shape))
            return
        import torch

        src = source if not isinstance(source, np.ndarray) else torch.from_numpy(source)
        target.copy_(src.reshape(target.shape))

    def __repr__(self) -> str:
        if self.is_tensor():
            return f"OrtValue({self.data_type()}, shape={self.shape()}, device={self._device_type})"
        return f"OrtValue({type(self._value).__name__})"


class _Capsule:
    """A raw DLPack capsule dressed as a producer, for np.from_dlpack."""

    def __init__(self, capsule: Any):
        self._capsule = capsule

    def __dlpack__(self, *, stream: Any = None) -> Any:
        return self._capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return (1, 0)


def _capsule_device(capsule: Any) -> int:
    """The DLPack device type recorded in a 'dltensor' capsule (DLTensor: data pointer, then the device)."""
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    is_valid = ctypes.pythonapi.PyCapsule_IsValid
    is_valid.restype, is_valid.argtypes = ctypes.c_int, [ctypes.py_object, ctypes.c_char_p]
    if type(capsule).__name__ != "PyCapsule" or not is_valid(capsule, b"dltensor"):
        raise TypeError("from_dlpack expected a valid DLPack capsule named 'dltensor'")
    address = get_pointer(capsule, b"dltensor")
    return ctypes.c_int32.from_address(address + ctypes.sizeof(ctypes.c_void_p)).value
