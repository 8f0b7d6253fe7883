"""Mish: elementwise x * tanh(softplus(x))."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Mish", since=18)
class Mish(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x * np.tanh(np.logaddexp(x.dtype.type(0), x)), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        softplus = prims.maximum(x, 0) + prims.log(1 + prims.exp(-prims.absolute(x)))
        return x * prims.tanh(softplus)
