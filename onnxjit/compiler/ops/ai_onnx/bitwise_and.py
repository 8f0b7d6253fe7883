"""BitwiseAnd: elementwise bitwise and of two integer tensors, with broadcasting."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("BitwiseAnd", since=18)
class BitwiseAnd(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.bitwise_and(a, b), dtype=a.dtype)

    def expr(self, a: prims.Expr, b: prims.Expr) -> prims.Expr:
        return prims.binary(prims.Prim.BITAND, a, b)
