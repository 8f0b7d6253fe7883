"""Shared helpers for the quantization ops (QuantizeLinear, DequantizeLinear and their contrib cousins)."""
from __future__ import annotations

import ml_dtypes
import numpy as np
from onnx import helper

# Integer quantized types and their saturation ranges.
_INT_RANGES: dict[np.dtype, tuple[int, int]] = {
    np.dtype(np.uint8): (0, 255), np.dtype(np.int8): (-128, 127),
    np.dtype(np.uint16): (0, 65535), np.dtype(np.int16): (-32768, 32767),
    np.dtype(np.int32): (-(2**31), 2**31 - 1),
    np.dtype(ml_dtypes.uint4): (0, 15), np.dtype(ml_dtypes.int4): (-8, 7),
}
for _name, _rng in (("uint2", (0, 3)), ("int2", (-2, 1))):
    if hasattr(ml_dtypes, _name):
        _INT_RANGES[np.dtype(getattr(ml_dtypes, _name))] = _rng

_FLOAT8 = {np.dtype(t) for t in (ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e4m3fnuz,
                                 ml_dtypes.float8_e5m2, ml_dtypes.float8_e5m2fnuz)}


def onnx_dtype(elem_type: int) -> np.dtype:
    """numpy dtype for an ONNX element type enum."""
    return np.dtype(helper.tensor_dtype_to_np_dtype(int(elem_type)))


def is_float8(dtype: np.dtype) -> bool:
    return np.dtype(dtype) in _FLOAT8


def int_range(dtype: np.dtype) -> tuple[int, int] | None:
    return _INT_RANGES.get(np.dtype(dtype))


def broadcast_param(value: np.ndarray, shape: tuple[int, ...], axis: int, block_size: int = 0) -> np.ndarray:
    """Reshape a scale/zero point (scalar, per-axis 1-D or blocked) so it broadcasts against `shape`."""
    value = np.asarray(value)
    if value.ndim == 0:
        return value
    if value.size == 1 and not block_size:
        return value.reshape(())
    axis = axis % len(shape)
    if not block_size:
        dims = [1] * len(shape)
        dims[axis] = value.size
        return value.reshape(dims)
    value = np.repeat(value, block_size, axis=axis)
    return np.take(value, np.arange(shape[axis]), axis=axis)


def saturate_float8(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Cast to a float8 type, clamping finite overflow (and infinities) to the largest finite value."""
    info = ml_dtypes.finfo(dtype)
    hi = float(info.max)
    y = np.clip(x.astype(np.float32), -hi, hi)
    y = np.where(np.isnan(x), np.float32(np.nan), y)
    return y.astype(dtype)


def quantize(x: np.ndarray, scale: np.ndarray, zero_point: np.ndarray | None, out_dtype: np.dtype,
             axis: int = 1, block_size: int = 0, saturate: bool = True,
             precision: np.dtype | None = None) -> np.ndarray:
    """y = saturate(round_half_even(x / scale) + zero_point), cast to `out_dtype`."""
    out_dtype = np.dtype(out_dtype)
    scale = broadcast_param(scale, x.shape, axis, block_size)
    if precision is not None:
        q = x.astype(precision) / scale.astype(precision)
    elif x.dtype.kind != "f" or x.dtype.itemsize < 4:  # float16/bfloat16: divide in float32
        q = (x.astype(np.float32) / scale.astype(np.float32)).astype(np.float32)
    else:
        q = x / scale.astype(x.dtype)
    rng = int_range(out_dtype)
    if rng is not None:
        q = np.rint(q.astype(np.float64))
        if zero_point is not None:
            q = q + broadcast_param(zero_point, x.shape, axis, block_size).astype(np.float64)
        return np.clip(q, rng[0], rng[1]).astype(np.int64).astype(out_dtype)
    if is_float8(out_dtype):
        return saturate_float8(q, out_dtype) if saturate else q.astype(np.float32).astype(out_dtype)
    # float4 (and other formats without inf/nan): the cast itself saturates.
    if zero_point is not None:
        q = q + broadcast_param(zero_point, x.shape, axis, block_size).astype(np.float32)
    return q.astype(np.float32).astype(out_dtype)


def dequantize(x: np.ndarray, scale: np.ndarray, zero_point: np.ndarray | None, out_dtype: np.dtype | None = None,
               axis: int = 1, block_size: int = 0) -> np.ndarray:
    """y = (x - zero_point) * scale, in the scale's dtype unless `out_dtype` is given."""
    dx = x.astype(np.float32)
    if zero_point is not None and not is_float8(x.dtype):
        dx = dx - broadcast_param(zero_point, x.shape, axis, block_size).astype(np.float32)
    y = dx * broadcast_param(scale, x.shape, axis, block_size).astype(np.float32)
    return np.asarray(y.astype(out_dtype if out_dtype is not None else scale.dtype))
