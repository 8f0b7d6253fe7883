"""QLinearConcat: concatenate quantized tensors, each requantized to Y's scale and zero point."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.com_microsoft._qlinear import deq, req
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("QLinearConcat", since=1, domain="com.microsoft")
class QLinearConcat(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": REQUIRED}

    def reference(self, y_scale, y_zero_point, *triples):
        parts = [deq(triples[k], triples[k + 1], triples[k + 2]) for k in range(0, len(triples), 3)]
        return req(np.concatenate(parts, axis=self.a.axis), y_scale, y_zero_point, triples[0].dtype)
