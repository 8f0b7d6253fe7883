"""Transpose: permute axes (default: reverse them)."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Transpose", since=1)
class Transpose(OpDef):
    fusion = Fusion.INDEX
    attrs = {"perm": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        perm = self.a.perm if self.a.perm else list(range(x.ndim))[::-1]
        return np.ascontiguousarray(np.transpose(x, perm))
