"""Acos: elementwise arc cosine."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Acos", since=7)
class Acos(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):  # out-of-domain input gives NaN/inf, as in C
            return np.asarray(np.arccos(x), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.unary(prims.Prim.ACOS, x)
