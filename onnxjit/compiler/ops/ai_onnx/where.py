"""Where: elementwise select x where condition is true, else y, with broadcasting."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Where", since=9)
class Where(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, cond: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.asarray(np.where(cond, x, y), dtype=x.dtype)

    def expr(self, cond: prims.Expr, x: prims.Expr, y: prims.Expr) -> prims.Expr:
        if x.dtype == object:
            raise NotImplementedError("Where on strings has no scalar expression")
        return prims.where(cond, x, y)
