"""Greater: elementwise comparison a > b with broadcasting, giving bool."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Greater", since=1)
class Greater(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.greater(a, b), dtype=bool)

    def expr(self, a: prims.Expr, b: prims.Expr) -> prims.Expr:
        return a > b
