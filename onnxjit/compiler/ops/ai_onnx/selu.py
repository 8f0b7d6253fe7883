"""Selu: elementwise gamma * (x if x > 0 else alpha * (exp(x) - 1))."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Selu", since=1)
class Selu(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"alpha": 1.67326319217681884765625, "gamma": 1.05070102214813232421875}

    def reference(self, x: np.ndarray) -> np.ndarray:
        t = x.dtype.type
        neg = t(self.a.alpha) * np.exp(np.minimum(x, t(0))) - t(self.a.alpha)
        return np.asarray(t(self.a.gamma) * np.where(x > 0, x, neg), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        neg = prims.exp(x) * self.a.alpha - self.a.alpha
        return prims.where(x > 0, x, neg) * self.a.gamma
