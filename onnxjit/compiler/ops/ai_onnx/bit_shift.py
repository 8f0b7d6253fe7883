"""BitShift: elementwise logical shift of unsigned integers, LEFT or RIGHT, with broadcasting."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("BitShift", since=11)
class BitShift(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"direction": REQUIRED}

    def reference(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        shift = np.left_shift if self.a.direction == "LEFT" else np.right_shift
        return np.asarray(shift(x, y.astype(x.dtype, copy=False)), dtype=x.dtype)

    def expr(self, x: prims.Expr, y: prims.Expr) -> prims.Expr:
        return prims.binary(prims.Prim.SHL if self.a.direction == "LEFT" else prims.Prim.SHR, x, y)
