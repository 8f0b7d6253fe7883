"""Mod: elementwise remainder; sign of the divisor (fmod=0, a - floor(a/b)*b) or of the dividend (fmod=1)."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Mod", since=10)
class Mod(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"fmod": 0}

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):  # integer division by zero gives 0, float gives NaN
            rem = np.fmod if self.a.fmod else np.mod
            return np.asarray(rem(a, b), dtype=a.dtype)

    def expr(self, a: prims.Expr, b: prims.Expr) -> prims.Expr:
        return prims.binary(prims.Prim.FMOD if self.a.fmod else prims.Prim.IMOD, a, b)
