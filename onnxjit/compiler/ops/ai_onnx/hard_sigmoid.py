"""HardSigmoid: elementwise max(0, min(1, alpha * x + beta))."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("HardSigmoid", since=1)
class HardSigmoid(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"alpha": 0.2, "beta": 0.5}

    def reference(self, x: np.ndarray) -> np.ndarray:
        t = x.dtype.type
        y = np.clip(t(self.a.alpha) * x + t(self.a.beta), t(0), t(1))
        return np.asarray(y, dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.maximum(prims.minimum(x * self.a.alpha + self.a.beta, 1), 0)
