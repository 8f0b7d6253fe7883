"""Binarizer: 1 where x > threshold, else 0, in x's dtype."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Binarizer", since=1, domain="ai.onnx.ml")
class Binarizer(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"threshold": 0.0}

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray((x > self.a.threshold).astype(x.dtype))

    def expr(self, x):
        return prims.where(x > x.const(self.a.threshold), x.const(1), x.const(0))
