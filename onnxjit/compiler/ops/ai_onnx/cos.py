"""Cos: elementwise cosine."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Cos", since=7)
class Cos(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(np.cos(x), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.unary(prims.Prim.COS, x)
