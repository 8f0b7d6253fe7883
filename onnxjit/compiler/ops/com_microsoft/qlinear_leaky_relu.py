"""QLinearLeakyRelu: LeakyRelu of a quantized tensor, requantized to Y's scale and zero point."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.com_microsoft._qlinear import deq, req
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("QLinearLeakyRelu", since=1, domain="com.microsoft")
class QLinearLeakyRelu(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"alpha": 0.01}

    def reference(self, x, x_scale, x_zero_point, y_scale, y_zero_point=None):
        v = deq(x, x_scale, x_zero_point)
        return req(np.where(v >= 0, v, v * np.float32(self.a.alpha)), y_scale, y_zero_point, x.dtype)
