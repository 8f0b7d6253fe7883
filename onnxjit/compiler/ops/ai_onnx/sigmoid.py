"""Sigmoid: elementwise 1 / (1 + exp(-x))."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Sigmoid", since=1)
class Sigmoid(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            one = x.dtype.type(1)
            return np.asarray(one / (one + np.exp(-x)), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.sigmoid(x)
