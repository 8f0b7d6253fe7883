"""LayerNormalization: normalise over dims [axis, rank), then scale and shift; also Mean and InvStdDev."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._norm_common import stash_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("LayerNormalization", since=17)
class LayerNormalization(OpDef):
    fusion = Fusion.REDUCTION
    attrs = {"axis": -1, "epsilon": 1e-5, "stash_type": 1}

    def reference(self, x: np.ndarray, scale: np.ndarray, bias: np.ndarray | None = None):
        axis = self.a.axis + x.ndim if self.a.axis < 0 else self.a.axis
        axes = tuple(range(axis, x.ndim))
        xs = x.astype(stash_dtype(x.dtype, self.a.stash_type))
        mean = np.mean(xs, axis=axes, keepdims=True)
        diff = xs - mean
        var = np.mean(diff * diff, axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + xs.dtype.type(self.a.epsilon))
        y = diff * inv_std * scale
        if bias is not None:
            y = y + bias
        return y.astype(x.dtype), mean.astype(x.dtype), inv_std.astype(x.dtype)
