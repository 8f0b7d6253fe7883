"""LpNormalization: x divided by its L1 or L2 norm along an axis (0 where the norm is 0)."""
import numpy as np

from onnxjit.compiler.ops.registry import OpDef, register


@register("LpNormalization", since=1)
class LpNormalization(OpDef):
    attrs = {"axis": -1, "p": 2}

    def reference(self, x: np.ndarray) -> np.ndarray:
        if self.a.p == 1:
            norm = np.sum(np.abs(x), axis=self.a.axis, keepdims=True)
        else:
            norm = np.sqrt(np.sum(x * x, axis=self.a.axis, keepdims=True))
        safe = np.where(norm == 0, np.ones_like(norm), norm)
        return np.where(norm == 0, np.zeros_like(x), x / safe).astype(x.dtype)
