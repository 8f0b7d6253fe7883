"""QLinearWhere: select between two quantized tensors by condition, requantized to Z's scale and zero point."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.com_microsoft._qlinear import deq, req
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("QLinearWhere", since=1, domain="com.microsoft")
class QLinearWhere(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, condition, x, x_scale, x_zero_point, y, y_scale, y_zero_point, z_scale, z_zero_point):
        v = np.where(condition, deq(x, x_scale, x_zero_point), deq(y, y_scale, y_zero_point))
        return req(v, z_scale, z_zero_point, x.dtype)
