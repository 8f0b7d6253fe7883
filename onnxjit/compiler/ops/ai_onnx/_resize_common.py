"""Shared separable interpolation for Resize and Upsample: one 1-D resample per resized axis."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from onnxjit.errors import InvalidArgument


@dataclass(frozen=True)
class ResizeMode:
    """Every attribute that shapes a resample."""

    mode: str = "nearest"  # nearest | linear | cubic
    coordinate_transformation_mode: str = "half_pixel"
    nearest_mode: str = "round_prefer_floor"  # ... | floor | ceil | simple (Resize-10 / Upsample)
    cubic_coeff_a: float = -0.75
    exclude_outside: bool = False
    extrapolation_value: float = 0.0
    antialias: bool = False


def source_coords(
    ctm: str, out_len: int, in_len: int, scale: float, roi: tuple[float, float] | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Input coordinate of each output index, and (tf_crop_and_resize only) which fall outside."""
    y = np.arange(out_len, dtype=np.float64)
    out_f = scale * in_len
    if ctm == "align_corners":
        x = np.zeros(out_len) if out_f == 1 else y * (in_len - 1) / (out_f - 1)
    elif ctm == "asymmetric":
        x = y / scale
    elif ctm == "pytorch_half_pixel":
        x = np.full(out_len, -0.5) if out_f == 1 else (y + 0.5) / scale - 0.5
    elif ctm == "half_pixel":
        x = (y + 0.5) / scale - 0.5
    elif ctm == "half_pixel_symmetric":
        adjustment = out_len / out_f
        x = in_len / 2 * (1 - adjustment) + (y + 0.5) / scale - 0.5
    elif ctm == "tf_crop_and_resize":
        start, end = roi if roi is not None else (0.0, 1.0)
        if out_f == 1:
            x = np.full(out_len, (end - start) * (in_len - 1) / 2)
        else:
            x = y * (end - start) * (in_len - 1) / (out_f - 1)
        x = x + start * (in_len - 1)
        return x, (x < 0) | (x > in_len - 1)
    else:
        raise InvalidArgument(f"Resize: unknown coordinate_transformation_mode {ctm!r}")
    return x, None


def nearest_index(x: np.ndarray, nearest_mode: str, scale: float) -> np.ndarray:
    """Nearest input index for each source coordinate."""
    if nearest_mode == "round_prefer_floor":
        idx = np.ceil(x - 0.5)
    elif nearest_mode == "round_prefer_ceil":
        idx = np.floor(x + 0.5)
    elif nearest_mode == "floor":
        idx = np.floor(x)
    elif nearest_mode == "ceil":
        idx = np.ceil(x)
    elif nearest_mode == "simple":
        idx = np.ceil(x) if scale < 1 else np.trunc(x)
    else:
        raise InvalidArgument(f"Resize: unknown nearest_mode {nearest_mode!r}")
    return idx.astype(np.int64)


def cubic_kernel(d: np.ndarray, a: float) -> np.ndarray:
    """Keys cubic convolution kernel."""
    d = np.abs(d)
    d2, d3 = d * d, d * d * d
    near = (a + 2) * d3 - (a + 3) * d2 + 1
    far = a * d3 - 5 * a * d2 + 8 * a * d - 4 * a
    return np.where(d <= 1, near, np.where(d < 2, far, 0.0))


def interp_weights(x: np.ndarray, in_len: int, scale: float, m: ResizeMode) -> np.ndarray:
    """Dense (out_len, in_len) weight matrix of a linear/cubic resample (edge-clamped taps)."""
    base = np.floor(x)
    ratio = x - base
    exact = ratio == 0  # prefer the left pixel: an exact hit is ratio 1 from the previous one
    base = np.where(exact, base - 1, base).astype(np.int64)
    ratio = np.where(exact, 1.0, ratio)
    s = min(scale, 1.0) if m.antialias else 1.0
    support = 1.0 if m.mode == "linear" else 2.0
    start = int(np.floor(-support / s) + 1)
    taps = np.arange(start, 2 - start)
    dist = (taps[None, :] - ratio[:, None]) * s
    if m.mode == "linear":
        coeffs = np.clip(1 - np.abs(dist), 0, 1)
    else:
        coeffs = cubic_kernel(dist, float(m.cubic_coeff_a))
    if m.antialias:
        coeffs = coeffs / coeffs.sum(axis=1, keepdims=True)
    idx = base[:, None] + taps[None, :]
    if m.exclude_outside:
        coeffs = np.where((idx < 0) | (idx >= in_len), 0.0, coeffs)
        total = coeffs.sum(axis=1, keepdims=True)
        coeffs = coeffs / np.where(total == 0, 1.0, total)
    weights = np.zeros((len(x), in_len))
    rows = np.broadcast_to(np.arange(len(x))[:, None], idx.shape)
    np.add.at(weights, (rows, np.clip(idx, 0, in_len - 1)), coeffs)
    return weights


def resample_axis(
    data: np.ndarray, axis: int, out_len: int, scale: float, roi: tuple[float, float] | None, m: ResizeMode
) -> np.ndarray:
    """Resize `data` along one axis."""
    in_len = data.shape[axis]
    x, outside = source_coords(m.coordinate_transformation_mode, out_len, in_len, scale, roi)
    if m.mode == "nearest":
        idx = np.clip(nearest_index(x, m.nearest_mode, scale), 0, max(in_len - 1, 0))
        res = np.take(data, idx, axis=axis)
    elif m.mode in ("linear", "cubic"):
        weights = interp_weights(x, in_len, scale, m)
        res = np.moveaxis(np.tensordot(weights, data, axes=([1], [axis])), 0, axis)
    else:
        raise InvalidArgument(f"Resize: unknown mode {m.mode!r}")
    if outside is not None and outside.any():
        shape = [1] * data.ndim
        shape[axis] = out_len
        res = np.where(outside.reshape(shape), np.asarray(m.extrapolation_value, dtype=res.dtype), res)
    return res


def cast_back(y: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Saturating cast of float results to the input dtype (integers round half to even)."""
    if y.dtype == dtype:
        return y
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.round(y), info.min, info.max).astype(dtype)
    return y.astype(dtype)


def resize(
    x: np.ndarray,
    out_shape: Sequence[int],
    scales: Sequence[float],
    roi: Sequence[float] | None,
    m: ResizeMode,
) -> np.ndarray:
    """Separable N-d resize of x to out_shape; `scales` drive the coordinate transform; roi is (starts..., ends...)."""
    r = x.ndim
    if m.mode == "nearest" or x.dtype == np.float64:
        y = x
    else:
        y = x.astype(np.float64)
    for axis in range(r):
        # roi values keep their tensor dtype: the reference arithmetic (end - start) runs in it.
        lo_hi = None if roi is None else (roi[axis], roi[axis + r])
        identity = (
            out_shape[axis] == x.shape[axis]
            and np.isclose(scales[axis], 1.0)
            and (lo_hi is None or m.coordinate_transformation_mode != "tf_crop_and_resize" or lo_hi == (0.0, 1.0))
        )
        if identity:
            continue
        y = resample_axis(y, axis, int(out_shape[axis]), float(scales[axis]), lo_hi, m)
    return cast_back(y, x.dtype)
