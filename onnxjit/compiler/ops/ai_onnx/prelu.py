"""PRelu: elementwise x if x >= 0 else slope * x, slope broadcast to x."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("PRelu", since=1)
class PRelu(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray, slope: np.ndarray) -> np.ndarray:
        return np.asarray(np.where(x < 0, x * slope, x), dtype=x.dtype)

    def expr(self, x: prims.Expr, slope: prims.Expr) -> prims.Expr:
        return prims.where(x < 0, x * slope, x)
