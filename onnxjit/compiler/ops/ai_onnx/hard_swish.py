"""HardSwish: elementwise x * max(0, min(1, x / 6 + 0.5))."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("HardSwish", since=14)
class HardSwish(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray) -> np.ndarray:
        t = x.dtype.type
        return np.asarray(x * np.clip(x * t(1 / 6) + t(0.5), t(0), t(1)), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return x * prims.maximum(prims.minimum(x * (1 / 6) + 0.5, 1), 0)
