"""QLinearMul: broadcast product of two quantized tensors, requantized to C's scale and zero point."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.com_microsoft._qlinear import centered as _centered, req
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("QLinearMul", since=1, domain="com.microsoft")
class QLinearMul(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, a, a_scale, a_zero_point, b, b_scale, b_zero_point, c_scale, c_zero_point=None):
        # As MLAS does: one combined scale ratio, then round half to even.
        ratio = (np.float32(np.asarray(a_scale).reshape(-1)[0]) * np.float32(np.asarray(b_scale).reshape(-1)[0])
                 / np.float32(np.asarray(c_scale).reshape(-1)[0]))
        y = _centered(a, a_zero_point) * _centered(b, b_zero_point) * ratio
        return req(y, np.float32(1), c_zero_point, a.dtype)
