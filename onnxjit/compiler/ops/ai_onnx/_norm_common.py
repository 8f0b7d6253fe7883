"""Helpers shared by the normalisation and matrix ops: the precision arithmetic is done in."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.dtypes import to_numpy_dtype


def stash_dtype(x_dtype: np.dtype, stash_type: int | None = 1) -> np.dtype:
    """Precision for mean/variance: the stash type, widened to float64 for float64 inputs."""
    if np.dtype(x_dtype) == np.float64:
        return np.dtype(np.float64)
    return to_numpy_dtype(int(stash_type)) if stash_type else np.dtype(np.float32)


def channel_view(v: np.ndarray, ndim: int) -> np.ndarray:
    """A per-channel vector shaped (C, 1, ..., 1) to broadcast against an (N, C, ...) tensor."""
    return v.reshape((-1,) + (1,) * (ndim - 2))


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype to do arithmetic in: float32 for 16-bit and ml_dtypes floats, else the dtype itself."""
    dtype = np.dtype(dtype)
    if dtype == np.float16 or dtype.kind == "V":
        return np.dtype(np.float32)
    return dtype
