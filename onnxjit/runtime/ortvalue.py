"""OrtValue for host (CPU) memory: a numpy array with onnxruntime's accessors."""
from __future__ import annotations

from typing import Any

import numpy as np

from onnxjit.compiler.dtypes import from_numpy_dtype, ort_type_name
from onnxjit.errors import NotImplemented as OrtNotImplemented


class OrtValue:
    def __init__(self, array: np.ndarray):
        self._array = array

    @staticmethod
    def ortvalue_from_numpy(array: Any, device_type: str = "cpu", device_id: int = 0) -> "OrtValue":
        if device_type.lower() != "cpu":
            raise OrtNotImplemented(f"device '{device_type}' needs the Triton provider, which is not built yet")
        return OrtValue(np.ascontiguousarray(array))

    @staticmethod
    def ortvalue_from_shape_and_type(shape: Any, element_type: Any = np.float32, device_type: str = "cpu",
                                     device_id: int = 0) -> "OrtValue":
        return OrtValue.ortvalue_from_numpy(np.zeros(tuple(shape), dtype=element_type), device_type, device_id)

    def numpy(self) -> np.ndarray:
        return self._array

    def shape(self) -> list[int]:
        return list(self._array.shape)

    def data_type(self) -> str:
        return f"tensor({ort_type_name(from_numpy_dtype(self._array.dtype))})"

    def element_type(self) -> type:
        return self._array.dtype.type

    def device_name(self) -> str:
        return "cpu"

    def is_tensor(self) -> bool:
        return True

    def has_value(self) -> bool:
        return True

    def data_ptr(self) -> int:
        return int(self._array.ctypes.data)
