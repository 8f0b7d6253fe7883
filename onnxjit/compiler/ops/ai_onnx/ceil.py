"""Ceil: elementwise round toward +inf."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Ceil", since=1)
class Ceil(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(np.ceil(x), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.unary(prims.Prim.CEIL, x)
