"""Shrink: elementwise x + bias if x < -lambd, x - bias if x > lambd, else 0."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Shrink", since=9)
class Shrink(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"bias": 0.0, "lambd": 0.5}

    def reference(self, x: np.ndarray) -> np.ndarray:
        lambd, bias = self.a.lambd, self.a.bias
        xf = x.astype(np.float64)
        y = np.where(xf < -lambd, xf + bias, np.where(xf > lambd, xf - bias, 0.0))
        return np.asarray(y).astype(x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        lambd, bias = self.a.lambd, self.a.bias
        if x.dtype.kind in "iu":  # compare and shift in float, as the reference does
            xf = prims.cast(x, np.float64)
            return prims.cast(prims.where(xf < -lambd, xf + bias, prims.where(xf > lambd, xf - bias, 0)), x.dtype)
        return prims.where(x < -lambd, x + bias, prims.where(x > lambd, x - bias, 0))
