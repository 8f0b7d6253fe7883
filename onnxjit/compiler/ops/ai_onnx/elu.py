"""Elu: elementwise x if x >= 0 else alpha * (exp(x) - 1)."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Elu", since=1)
class Elu(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"alpha": 1.0}

    def reference(self, x: np.ndarray) -> np.ndarray:
        t = x.dtype.type
        with np.errstate(over="ignore"):
            neg = t(self.a.alpha) * (np.exp(np.minimum(x, t(0))) - t(1))
        return np.asarray(np.where(x < 0, neg, x), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.where(x < 0, (prims.exp(x) - 1) * self.a.alpha, x)
