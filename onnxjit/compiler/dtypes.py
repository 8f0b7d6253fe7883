"""ONNX element types and their numpy (and ml_dtypes) counterparts.

One table, used by the loader, the op rules and the runtime's input validation.
"""
from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper

# ORT-style type strings for NodeArg.type: 'tensor(float)' etc.
_ORT_NAMES: dict[int, str] = {
    TensorProto.FLOAT: "float", TensorProto.UINT8: "uint8", TensorProto.INT8: "int8",
    TensorProto.UINT16: "uint16", TensorProto.INT16: "int16", TensorProto.INT32: "int32",
    TensorProto.INT64: "int64", TensorProto.STRING: "string", TensorProto.BOOL: "bool",
    TensorProto.FLOAT16: "float16", TensorProto.DOUBLE: "double", TensorProto.UINT32: "uint32",
    TensorProto.UINT64: "uint64", TensorProto.COMPLEX64: "complex64",
    TensorProto.COMPLEX128: "complex128", TensorProto.BFLOAT16: "bfloat16",
    TensorProto.FLOAT8E4M3FN: "float8e4m3fn", TensorProto.FLOAT8E4M3FNUZ: "float8e4m3fnuz",
    TensorProto.FLOAT8E5M2: "float8e5m2", TensorProto.FLOAT8E5M2FNUZ: "float8e5m2fnuz",
    TensorProto.UINT4: "uint4", TensorProto.INT4: "int4", TensorProto.FLOAT4E2M1: "float4e2m1",
}


def to_numpy_dtype(elem_type: int) -> np.dtype:
    """numpy dtype for an ONNX element type (strings map to object)."""
    if elem_type == TensorProto.STRING:
        return np.dtype(object)
    try:
        return np.dtype(helper.tensor_dtype_to_np_dtype(elem_type))
    except Exception as exc:  # noqa: BLE001 - unknown enum value
        raise ValueError(f"unsupported ONNX element type {elem_type}") from exc


def from_numpy_dtype(dtype: np.dtype) -> int:
    """ONNX element type for a numpy dtype."""
    dtype = np.dtype(dtype)
    if dtype == object or dtype.kind in "US":
        return TensorProto.STRING
    return int(helper.np_dtype_to_tensor_dtype(dtype))


def ort_type_name(elem_type: int) -> str:
    """'float' for FLOAT etc., as onnxruntime prints it inside tensor(...)."""
    return _ORT_NAMES.get(elem_type, onnx.TensorProto.DataType.Name(elem_type).lower())


def is_float(dtype: np.dtype) -> bool:
    dtype = np.dtype(dtype)
    return dtype.kind == "f" or dtype.name.startswith(("bfloat", "float8", "float4", "float6"))
