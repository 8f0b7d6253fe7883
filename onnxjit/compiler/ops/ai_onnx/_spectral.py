"""Shared helpers for the spectral ops (DFT, STFT): ONNX's [..., 1|2] real/complex layout."""
from __future__ import annotations

import numpy as np


def to_complex(x: np.ndarray) -> np.ndarray:
    """[..., 1] (real) or [..., 2] (real, imag) → complex array without the last axis.

    float32 (and narrower) signals are transformed in complex64, double ones in complex128, as
    numpy's FFT (and onnxruntime) work in the signal's own precision."""
    ctype = np.complex128 if x.dtype == np.float64 else np.complex64
    z = x[..., 0].astype(ctype)
    if x.shape[-1] == 2:
        z = z + np.asarray(1j, ctype) * x[..., 1].astype(ctype)
    return z


def from_complex(z: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """complex array → [..., 2] (real, imag) in `dtype`."""
    return np.stack((z.real, z.imag), axis=-1).astype(dtype)


def dft(x: np.ndarray, length: int | None, axis: int, inverse: bool, onesided: bool) -> np.ndarray:
    """DFT of the signal axis `axis` (counted in x's rank, last axis is real/imag)."""
    axis = axis % x.ndim
    if axis == x.ndim - 1:
        raise ValueError("DFT axis cannot be the last (real/imaginary) axis")
    z = to_complex(x)
    n = int(length) if length is not None else (
        2 * (z.shape[axis] - 1) if inverse and onesided else z.shape[axis])
    if inverse and onesided:  # one-sided spectrum → real signal
        return np.fft.irfft(z, n=n, axis=axis)[..., np.newaxis].astype(x.dtype)
    y = np.fft.ifft(z, n=n, axis=axis) if inverse else np.fft.fft(z, n=n, axis=axis)
    if onesided:
        y = np.take(y, np.arange(n // 2 + 1), axis=axis)
    return from_complex(y, x.dtype)
