"""Compress: keep the slices along `axis` (or of the flattened input) where `condition` is true."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Compress", since=9)
class Compress(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": None}

    def reference(self, x: np.ndarray, condition: np.ndarray) -> np.ndarray:
        axis = None if self.a.axis is None else self.a.axis % x.ndim
        return np.compress(condition.reshape(-1).astype(bool), x, axis=axis)
