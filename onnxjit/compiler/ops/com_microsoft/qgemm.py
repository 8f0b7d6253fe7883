"""QGemm: alpha * (A - a_zp)(B - b_zp) * a_scale * b_scale (+ int32 bias), float or requantized output."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.com_microsoft._qlinear import req
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("QGemm", since=1, domain="com.microsoft")
class QGemm(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"alpha": 1.0, "transA": 0, "transB": 0}

    def reference(self, a, a_scale, a_zero_point, b, b_scale, b_zero_point, c=None, y_scale=None, y_zero_point=None):
        A = a.astype(np.int32) - np.asarray(a_zero_point).astype(np.int32)
        if self.a.transA:
            A = A.T
        B = b.astype(np.int32)
        b_zp = np.asarray(b_zero_point).astype(np.int32).reshape(-1)
        b_sc = np.asarray(b_scale, dtype=np.float32).reshape(-1)
        B = B - (b_zp[:, None] if self.a.transB and b_zp.size > 1 else b_zp)  # per output column
        if self.a.transB:
            B = B.T
        acc = A.astype(np.int64) @ B.astype(np.int64)
        if c is not None:
            acc = acc + c.astype(np.int64)
        mult = np.float32(self.a.alpha) * np.float32(np.asarray(a_scale).reshape(-1)[0]) * b_sc
        y = (acc.astype(np.float64) * mult.astype(np.float64)).astype(np.float32)
        if y_scale is None:
            return y
        return req(y, y_scale, y_zero_point, a.dtype)
