"""RMSNormalization: x / sqrt(mean(x^2 over dims [axis, rank)) + epsilon) * scale."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._norm_common import stash_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("RMSNormalization", since=23)
class RMSNormalization(OpDef):
    fusion = Fusion.REDUCTION
    attrs = {"axis": -1, "epsilon": 1e-5, "stash_type": 1}

    def reference(self, x: np.ndarray, scale: np.ndarray) -> np.ndarray:
        axis = self.a.axis + x.ndim if self.a.axis < 0 else self.a.axis
        xs = x.astype(stash_dtype(x.dtype, self.a.stash_type))
        ms = np.mean(xs * xs, axis=tuple(range(axis, x.ndim)), keepdims=True)
        y = xs / np.sqrt(ms + xs.dtype.type(self.a.epsilon))
        return (y * scale).astype(x.dtype)
