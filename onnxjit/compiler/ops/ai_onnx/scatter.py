"""Scatter: deprecated alias of ScatterElements without reduction (opsets 9-10)."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx.scatter_elements import scatter_elements
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Scatter", since=9)
class Scatter(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": 0}

    def reference(self, data: np.ndarray, indices: np.ndarray, updates: np.ndarray) -> np.ndarray:
        return scatter_elements(data, indices, updates, self.a.axis)
