"""Add: elementwise sum with numpy-style broadcasting."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Add", since=1)
class Add(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.add(a, b).astype(a.dtype, copy=False)

    def expr(self, a, b):
        return a + b
