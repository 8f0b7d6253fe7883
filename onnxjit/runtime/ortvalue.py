"""OrtValue: a tensor for onnxruntime's API, in host memory (a numpy array) or in device memory.

Device ('cuda') values are torch tensors allocated through the Triton provider's device: on a GPU
machine they live on the GPU; without one, under TRITON_INTERPRET=1, CPU torch tensors stand in for
them (the Triton interpreter's memory), so the device paths run in CPU tests.
"""
from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from onnxjit.compiler.dtypes import from_numpy_dtype, ort_type_name
from onnxjit.errors import NotImplemented as OrtNotImplemented

DEVICE_TYPES = ("cpu", "cuda")


def _device(device_type: str, device_id: int = 0):
    """The Triton provider's device for 'cuda' values (the GPU, or the interpreter's CPU memory)."""
    if device_type.lower() not in DEVICE_TYPES:
        raise OrtNotImplemented(f"device '{device_type}' is not supported; onnxjit knows {DEVICE_TYPES}")
    from onnxjit.providers.triton.device import (
        current_device,
        triton_available,
        unavailable_reason,
    )

    if not triton_available():
        raise OrtNotImplemented(f"device '{device_type}' needs the Triton provider, which cannot run here "
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


class OrtValue:
    def __init__(self, value: Any, device_type: str = "cpu", device_id: int = 0):
        self._value = value              # np.ndarray ('cpu') or a torch tensor ('cuda')
        self._device_type = device_type.lower()
        self._device_id = device_id

    # --- construction ---------------------------------------------------------------------
    @staticmethod
    def ortvalue_from_numpy(array: Any, device_type: str = "cpu", device_id: int = 0) -> OrtValue:
        arr = np.ascontiguousarray(array)
        if device_type.lower() == "cpu":
            return OrtValue(arr)
        dev = _device(device_type, device_id)
        return OrtValue(dev.upload(arr).view(arr.shape), device_type, device_id)

    @staticmethod
    def ortvalue_from_shape_and_type(shape: Any, element_type: Any = np.float32, device_type: str = "cpu",
                                     device_id: int = 0) -> OrtValue:
        shape = tuple(int(d) for d in shape)
        if device_type.lower() == "cpu":
            return OrtValue(np.zeros(shape, dtype=element_type))
        dev = _device(device_type, device_id)
        return OrtValue(dev.empty(int(np.prod(shape)), np.dtype(element_type).name).view(shape), device_type, device_id)

    @staticmethod
    def from_pointer(device_type: str, device_id: int, element_type: Any, shape: Any, ptr: int) -> OrtValue:
        """Memory the caller owns (IOBinding.bind_input/bind_output with a buffer pointer)."""
        shape = tuple(int(d) for d in shape)
        if device_type.lower() == "cpu":
            return OrtValue(host_array_at(ptr, shape, element_type))
        dev = _device(device_type, device_id)
        if dev.torch_device.type == "cpu":  # interpreter stand-in: the 'device' pointer is host memory
            import torch

            return OrtValue(torch.from_numpy(host_array_at(ptr, shape, element_type)), device_type, device_id)
        import torch

        return OrtValue(torch.as_tensor(_CudaArrayInterface(ptr, shape, element_type), device=dev.torch_device),
                        device_type, device_id)

    # --- accessors ------------------------------------------------------------------------
    @property
    def device_tensor(self) -> Any:
        """The torch tensor of a device value (onnxjit extension); None for host values."""
        return None if isinstance(self._value, np.ndarray) else self._value

    def numpy(self) -> np.ndarray:
        if isinstance(self._value, np.ndarray):
            return self._value
        return self._value.detach().to("cpu", copy=True).numpy()

    def _dtype(self) -> np.dtype:
        if isinstance(self._value, np.ndarray):
            return self._value.dtype
        return np.dtype(str(self._value.dtype).split(".")[-1])

    def shape(self) -> list[int]:
        return list(self._value.shape)

    def data_type(self) -> str:
        return f"tensor({ort_type_name(from_numpy_dtype(self._dtype()))})"

    def element_type(self) -> type:
        return self._dtype().type

    def device_name(self) -> str:
        return self._device_type

    def is_tensor(self) -> bool:
        return True

    def has_value(self) -> bool:
        return True

    def tensor_size_in_bytes(self) -> int:
        return int(np.prod(self._value.shape)) * self._dtype().itemsize

    def data_ptr(self) -> int:
        if isinstance(self._value, np.ndarray):
            return int(self._value.ctypes.data)
        return int(self._value.data_ptr())
