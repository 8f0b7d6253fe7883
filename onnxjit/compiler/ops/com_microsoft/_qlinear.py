"""Shared helpers for the com.microsoft QLinear* ops: dequantize inputs, compute in float32, requantize."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._quant import dequantize, int_range


def deq(x: np.ndarray, scale: np.ndarray, zero_point: np.ndarray | None, axis: int = 1) -> np.ndarray:
    """(x - zero_point) * scale in float32 (scalar scale/zero point, or per `axis` for 1-D ones)."""
    return dequantize(x, np.asarray(scale, dtype=np.float32), zero_point, np.dtype(np.float32), axis=axis)


def req(y: np.ndarray, scale: np.ndarray, zero_point: np.ndarray | None,
        default: np.dtype = np.dtype(np.uint8), zp_first: bool = False) -> np.ndarray:
    """saturate(round_half_even(y / scale) + zero_point) in the zero point's integer type.

    zp_first: round y / scale + zero_point instead, in float32, as some onnxruntime kernels do
    (the two differ where the float32 sum rounds onto a .5 tie)."""
    dtype = zero_point.dtype if zero_point is not None else np.dtype(default)
    lo, hi = int_range(dtype)
    zp = np.float32(0) if zero_point is None else np.float32(np.asarray(zero_point).reshape(-1)[0])
    q = y.astype(np.float32) / np.float32(np.asarray(scale).reshape(-1)[0])
    q = np.rint(q + zp) if zp_first else np.rint(q) + zp
    return np.asarray(np.clip(q, lo, hi).astype(dtype))


def centered(x: np.ndarray, zero_point: np.ndarray | None) -> np.ndarray:
    """x - zero_point as float32 (scalar zero point)."""
    zp = np.float32(0) if zero_point is None else np.float32(np.asarray(zero_point).reshape(-1)[0])
    return x.astype(np.float32) - zp
