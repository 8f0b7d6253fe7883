"""SwiGLU: Swish_alpha(A) * B = A * sigmoid(alpha * A) * B (A and B of equal shape)."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("SwiGLU", since=28)
class SwiGLU(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"alpha": 1.0}

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        gate = (1 / (1 + np.exp(-float(self.a.alpha) * a))).astype(a.dtype)
        return (a * gate * b).astype(a.dtype)

    def expr(self, a, b):
        return a * prims.sigmoid(a * float(self.a.alpha)) * b
