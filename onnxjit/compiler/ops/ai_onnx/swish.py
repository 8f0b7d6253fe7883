"""Swish: elementwise x * sigmoid(alpha * x)."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Swish", since=24)
class Swish(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"alpha": 1.0}

    def reference(self, x: np.ndarray) -> np.ndarray:
        t = x.dtype.type
        with np.errstate(over="ignore"):
            return np.asarray(x / (t(1) + np.exp(-t(self.a.alpha) * x)), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return x * prims.sigmoid(x * self.a.alpha)
