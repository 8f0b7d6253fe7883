"""ThresholdedRelu: elementwise x if x > alpha else 0."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("ThresholdedRelu", since=10)
class ThresholdedRelu(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"alpha": 1.0}

    def reference(self, x: np.ndarray) -> np.ndarray:
        t = x.dtype.type
        return np.asarray(np.where(x > t(self.a.alpha), x, t(0)), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.where(x > self.a.alpha, x, 0)
