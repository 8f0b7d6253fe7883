"""Equal: elementwise a == b with broadcasting (numbers, bools or strings), giving bool."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Equal", since=1)
class Equal(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.asarray(a == b), dtype=bool)

    def expr(self, a: prims.Expr, b: prims.Expr) -> prims.Expr:
        if a.dtype == object:
            raise NotImplementedError("Equal on strings has no scalar expression")
        return a.eq(b)
