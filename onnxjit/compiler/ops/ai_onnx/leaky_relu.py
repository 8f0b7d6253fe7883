"""LeakyRelu: elementwise x if x >= 0 else alpha * x."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("LeakyRelu", since=1)
class LeakyRelu(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"alpha": 0.01}

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(np.where(x < 0, x * x.dtype.type(self.a.alpha), x), dtype=x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return prims.where(x < 0, x * self.a.alpha, x)
