"""Erf: elementwise Gauss error function."""
import numpy as np
from scipy import special

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Erf", since=9)
class Erf(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(special.erf(x.astype(np.float64))).astype(x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.erf(x)
