"""Div: elementwise a / b with broadcasting; integer division truncates toward zero, as in C."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Div", since=1)
class Div(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            if a.dtype.kind == "i":
                q = np.floor_divide(a, b)
                inexact = (np.remainder(a, b) != 0) & ((a < 0) != (b < 0))
                return np.asarray(q + inexact.astype(a.dtype), dtype=a.dtype)
            if a.dtype.kind == "u":
                return np.asarray(np.floor_divide(a, b), dtype=a.dtype)
            return np.asarray(np.divide(a, b), dtype=a.dtype)

    def expr(self, a: prims.Expr, b: prims.Expr) -> prims.Expr:
        return a / b  # Prim.DIV on integers is C division (truncates toward zero)
