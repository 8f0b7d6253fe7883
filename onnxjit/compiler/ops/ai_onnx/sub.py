"""Sub: elementwise a - b with numpy-style broadcasting (integers wrap)."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Sub", since=1)
class Sub(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.subtract(a, b), dtype=a.dtype)

    def expr(self, a: prims.Expr, b: prims.Expr) -> prims.Expr:
        return a - b
