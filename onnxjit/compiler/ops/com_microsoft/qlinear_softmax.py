"""QLinearSoftmax: softmax of a quantized tensor, requantized to Y's scale and zero point."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.com_microsoft._qlinear import deq, req
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("QLinearSoftmax", since=1, domain="com.microsoft")
class QLinearSoftmax(OpDef):
    """`opset` < 13 flattens the dims from `axis` on into one (old Softmax); else one axis."""

    fusion = Fusion.OPAQUE
    attrs = {"axis": -1, "opset": REQUIRED}

    def reference(self, x, x_scale, x_zero_point, y_scale, y_zero_point=None):
        v = deq(x, x_scale, x_zero_point).astype(np.float64)
        axis = self.a.axis % x.ndim
        if self.a.opset < 13:
            v = v.reshape(int(np.prod(x.shape[:axis], dtype=np.int64)), -1)
            axis = 1
        e = np.exp(v - v.max(axis=axis, keepdims=True))
        y = (e / e.sum(axis=axis, keepdims=True)).reshape(x.shape)
        return req(y, y_scale, y_zero_point, x.dtype)
