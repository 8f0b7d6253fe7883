"""Add: elementwise sum with numpy-style broadcasting (integers wrap)."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Add", since=1)
class Add(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.add(a, b), dtype=a.dtype)  # asarray: 0-d results stay arrays

    def expr(self, a: prims.Expr, b: prims.Expr) -> prims.Expr:
        return a + b
