"""Softplus: elementwise log(1 + exp(x)), computed without overflow."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Softplus", since=1)
class Softplus(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(np.logaddexp(x.dtype.type(0), x), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        # max(x, 0) + log(1 + exp(-|x|)): equal to log(1 + exp(x)) and never overflows
        return prims.maximum(x, 0) + prims.log(1 + prims.exp(-prims.absolute(x)))
