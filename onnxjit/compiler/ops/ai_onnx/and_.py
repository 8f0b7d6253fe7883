"""And: elementwise logical and of two bool tensors, with broadcasting."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("And", since=1)
class And(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.logical_and(a, b), dtype=bool)

    def expr(self, a: prims.Expr, b: prims.Expr) -> prims.Expr:
        return prims.binary(prims.Prim.AND, a, b)
