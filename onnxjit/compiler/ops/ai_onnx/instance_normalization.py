"""InstanceNormalization: normalise each (sample, channel) over its spatial dims, then scale and shift."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._norm_common import channel_view, stash_dtype
from onnxjit.compiler.ops.registry import OpDef, register
from onnxjit.errors import InvalidArgument


@register("InstanceNormalization", since=1)
class InstanceNormalization(OpDef):
    attrs = {"epsilon": 1e-5}

    def reference(self, x: np.ndarray, scale: np.ndarray, bias: np.ndarray) -> np.ndarray:
        for role, v in (("scale", scale), ("bias", bias)):  # onnxruntime does not broadcast them
            if v.ndim != 1 or (x.ndim >= 2 and v.shape[0] != x.shape[1]):
                raise InvalidArgument(f"InstanceNormalization node '{self.node_name}': {role} of shape {v.shape} "
                                      f"must be 1-D with one value per input channel ({x.shape[1:2]})")
        axes = tuple(range(2, x.ndim))
        xs = x.astype(stash_dtype(x.dtype))
        mean = xs.mean(axis=axes, keepdims=True)
        var = ((xs - mean) ** 2).mean(axis=axes, keepdims=True)
        y = (xs - mean) / np.sqrt(var + xs.dtype.type(self.a.epsilon))
        return (y * channel_view(scale, x.ndim) + channel_view(bias, x.ndim)).astype(x.dtype)
