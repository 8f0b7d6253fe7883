"""Celu: elementwise max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Celu", since=12)
class Celu(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"alpha": 1.0}

    def reference(self, x: np.ndarray) -> np.ndarray:
        t = x.dtype.type
        alpha, zero = t(self.a.alpha), t(0)
        with np.errstate(over="ignore"):
            neg = alpha * (np.exp(np.minimum(x, zero) / alpha) - t(1))
        return np.asarray(np.maximum(zero, x) + np.minimum(zero, neg), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        neg = (prims.exp(x / self.a.alpha) - 1) * self.a.alpha
        return prims.maximum(x, 0) + prims.minimum(neg, 0)
