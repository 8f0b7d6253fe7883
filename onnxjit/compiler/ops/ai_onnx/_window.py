"""Shared helper for the window-function ops (Hann, Hamming, Blackman)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._quant import onnx_dtype


def cosine_window(size: np.ndarray, periodic: int, output_datatype: int, coeffs: tuple[float, ...]) -> np.ndarray:
    """sum_k (-1)^k coeffs[k] cos(2πkn/N), N = size (periodic) or size - 1 (symmetric)."""
    n_points = int(np.asarray(size).reshape(-1)[0])
    denom = n_points if periodic else n_points - 1
    n = np.arange(n_points, dtype=np.float64)
    w = np.zeros(n_points, dtype=np.float64)
    for k, c in enumerate(coeffs):
        w += (-1) ** k * c * np.cos(2.0 * np.pi * k * n / denom) if denom else (c if k == 0 else 0.0)
    return w.astype(onnx_dtype(output_datatype))
