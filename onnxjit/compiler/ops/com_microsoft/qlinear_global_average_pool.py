"""QLinearGlobalAveragePool: mean over spatial dims of a quantized NCHW (or NHWC) tensor."""
from __future__ import annotations

from onnxjit.compiler.ops.com_microsoft._qlinear import deq, req
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("QLinearGlobalAveragePool", since=1, domain="com.microsoft")
class QLinearGlobalAveragePool(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"channels_last": 0}

    def reference(self, x, x_scale, x_zero_point, y_scale, y_zero_point=None):
        v = deq(x, x_scale, x_zero_point)
        axes = tuple(range(1, x.ndim - 1)) if self.a.channels_last else tuple(range(2, x.ndim))
        return req(v.mean(axis=axes, keepdims=True), y_scale, y_zero_point, x.dtype)
