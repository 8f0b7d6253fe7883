"""QLinearMatMul: matmul of quantized a and b, requantized to y's scale and zero point."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def _row_param(p: np.ndarray) -> np.ndarray:
    """A per-row (size M) parameter of `a` as an (M, 1) column; scalars stay scalars."""
    p = np.asarray(p)
    return p.reshape(-1, 1) if p.ndim == 1 and p.size > 1 else p.reshape(p.shape if p.ndim != 1 else ())


def _col_param(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p)
    return p.reshape(()) if p.ndim == 1 and p.size == 1 else p


@register("QLinearMatMul", since=10)
class QLinearMatMul(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point):
        A = a.astype(np.int32) - _row_param(a_zero_point).astype(np.int32)
        B = b.astype(np.int32) - _col_param(b_zero_point).astype(np.int32)
        acc = np.matmul(A, B)
        mult = _row_param(a_scale) * _col_param(b_scale) / np.asarray(y_scale).reshape(())
        y = acc.astype(np.float64) * mult + np.asarray(y_zero_point).reshape(()).astype(np.float64)
        dtype = y_zero_point.dtype
        info = np.iinfo(dtype)
        return np.clip(np.rint(y), info.min, info.max).astype(dtype)
