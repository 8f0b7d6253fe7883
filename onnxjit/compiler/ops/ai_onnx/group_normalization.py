"""GroupNormalization: normalise each group of channels over (channels in group, spatial dims)."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._norm_common import channel_view, stash_dtype
from onnxjit.compiler.ops.registry import REQUIRED, OpDef, register


@register("GroupNormalization", since=18)
class GroupNormalization(OpDef):
    """Opset 18: scale and bias have one value per group."""

    attrs = {"epsilon": 1e-5, "num_groups": REQUIRED, "stash_type": 1}
    per_channel = False

    def reference(self, x: np.ndarray, scale: np.ndarray, bias: np.ndarray) -> np.ndarray:
        n, c, groups = x.shape[0], x.shape[1], int(self.a.num_groups)
        xs = x.astype(stash_dtype(x.dtype, self.a.stash_type)).reshape(n, groups, -1)
        mean = xs.mean(axis=2, keepdims=True)
        var = ((xs - mean) ** 2).mean(axis=2, keepdims=True)
        y = ((xs - mean) / np.sqrt(var + xs.dtype.type(self.a.epsilon))).reshape(x.shape)
        if not self.per_channel:
            scale, bias = np.repeat(scale, c // groups), np.repeat(bias, c // groups)
        y = y * channel_view(scale, x.ndim) + channel_view(bias, x.ndim)
        return y.astype(x.dtype)


@register("GroupNormalization", since=21)
class GroupNormalization21(GroupNormalization):
    """Opset 21: scale and bias have one value per channel."""

    per_channel = True
