"""Mul: elementwise a * b with numpy-style broadcasting (integers wrap)."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Mul", since=1)
class Mul(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if a.dtype == bool:
            return np.asarray(np.logical_and(a, b))
        return np.asarray(np.multiply(a, b), dtype=a.dtype)

    def expr(self, a: prims.Expr, b: prims.Expr) -> prims.Expr:
        return a * b
