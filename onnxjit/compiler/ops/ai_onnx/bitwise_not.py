"""BitwiseNot: elementwise bitwise complement of an integer tensor."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("BitwiseNot", since=18)
class BitwiseNot(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(np.invert(x), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.unary(prims.Prim.BITNOT, x)
