"""MeanVarianceNormalization: (x - mean) / (std + 1e-9) over the given axes (default N, H, W)."""
import numpy as np

from onnxjit.compiler.ops.registry import OpDef, register


@register("MeanVarianceNormalization", since=9)
class MeanVarianceNormalization(OpDef):
    attrs = {"axes": [0, 2, 3]}

    def reference(self, x: np.ndarray) -> np.ndarray:
        axes = tuple(int(a) for a in self.a.axes)
        mean = np.mean(x, axis=axes, keepdims=True)
        var = np.mean(x * x, axis=axes, keepdims=True) - mean * mean
        return ((x - mean) / (np.sqrt(np.maximum(var, 0)) + x.dtype.type(1e-9))).astype(x.dtype)
