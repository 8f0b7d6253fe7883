"""Not: elementwise logical negation of a bool tensor."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Not", since=1)
class Not(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(np.logical_not(x), dtype=bool)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.unary(prims.Prim.NOT, x)
