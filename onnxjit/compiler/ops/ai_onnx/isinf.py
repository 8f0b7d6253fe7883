"""IsInf: elementwise test for +inf and/or -inf, giving bool."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("IsInf", since=10)
class IsInf(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"detect_negative": 1, "detect_positive": 1}

    def reference(self, x: np.ndarray) -> np.ndarray:
        pos = np.isposinf(x) if self.a.detect_positive else np.zeros(x.shape, bool)
        neg = np.isneginf(x) if self.a.detect_negative else np.zeros(x.shape, bool)
        return np.asarray(pos | neg, dtype=bool)

    def expr(self, x: prims.Expr) -> prims.Expr:
        pos = prims.unary(prims.Prim.ISINF_POS, x)
        neg = prims.unary(prims.Prim.ISINF_NEG, x)
        if self.a.detect_positive and self.a.detect_negative:
            return prims.binary(prims.Prim.OR, pos, neg)
        if self.a.detect_positive:
            return pos
        if self.a.detect_negative:
            return neg
        return prims.binary(prims.Prim.AND, pos, neg)  # never true
