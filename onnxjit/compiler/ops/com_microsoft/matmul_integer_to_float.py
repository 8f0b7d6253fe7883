"""MatMulIntegerToFloat: (A - a_zp) @ (B - b_zp) * a_scale * b_scale (+ bias), as float."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def int_matmul_to_float(a, b, a_scale, b_scale, a_zero_point=None, b_zero_point=None, bias=None) -> np.ndarray:
    """Integer matmul with zero points removed, scaled to float; b's scale/zero point may be per column."""
    A = a.astype(np.int32)
    if a_zero_point is not None:
        A = A - np.asarray(a_zero_point).astype(np.int32)  # scalar (or per-row) zero point
    B = b.astype(np.int32)
    if b_zero_point is not None:
        B = B - np.asarray(b_zero_point).astype(np.int32)  # scalar or per-column ([N] broadcasts)
    acc = np.matmul(A.astype(np.int64), B.astype(np.int64))
    scale = np.asarray(a_scale, dtype=np.float32) * np.asarray(b_scale, dtype=np.float32)
    y = (acc.astype(np.float32) * scale).astype(np.float32)
    if bias is not None:
        y = y + bias.astype(np.float32)
    out_dtype = np.asarray(a_scale).dtype
    return np.asarray(y.astype(out_dtype))


@register("MatMulIntegerToFloat", since=1, domain="com.microsoft")
class MatMulIntegerToFloat(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, a, b, a_scale, b_scale, a_zero_point=None, b_zero_point=None, bias=None):
        return int_matmul_to_float(a, b, a_scale, b_scale, a_zero_point, b_zero_point, bias)
