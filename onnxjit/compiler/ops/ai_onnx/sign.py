"""Sign: elementwise sign (-1, 0 or 1; NaN stays NaN)."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Sign", since=9)
class Sign(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(np.sign(x), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.unary(prims.Prim.SIGN, x)
