"""IsNaN: elementwise test for NaN, giving bool."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("IsNaN", since=9)
class IsNaN(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(np.isnan(x), dtype=bool)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.unary(prims.Prim.ISNAN, x)
