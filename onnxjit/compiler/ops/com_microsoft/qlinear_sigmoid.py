"""QLinearSigmoid: sigmoid of a quantized tensor, requantized to Y's scale and zero point."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.com_microsoft._qlinear import deq, req
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("QLinearSigmoid", since=1, domain="com.microsoft")
class QLinearSigmoid(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, x, x_scale, x_zero_point, y_scale, y_zero_point=None):
        v = deq(x, x_scale, x_zero_point)
        return req(1.0 / (1.0 + np.exp(-v)), y_scale, y_zero_point, x.dtype)
