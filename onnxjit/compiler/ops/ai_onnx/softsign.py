"""Softsign: elementwise x / (1 + |x|)."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Softsign", since=1)
class Softsign(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x / (x.dtype.type(1) + np.abs(x)), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return x / (1 + prims.absolute(x))
