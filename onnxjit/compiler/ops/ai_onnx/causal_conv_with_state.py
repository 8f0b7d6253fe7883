"""CausalConvWithState: depthwise causal 1-D convolution over (past_state ++ input), optional SiLU.

Also returns the last kernel_size - 1 input positions as the state for the next call.
"""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._norm_common import compute_dtype
from onnxjit.compiler.ops.registry import OpDef, register


@register("CausalConvWithState", since=27)
class CausalConvWithState(OpDef):
    attrs = {"activation": "none"}

    def reference(self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                  past_state: np.ndarray | None = None):
        activation = self.a.activation
        activation = activation.decode() if isinstance(activation, bytes) else activation
        if activation not in ("none", "silu", "swish"):
            raise ValueError(f"unsupported activation {activation!r}")
        batch, channels, length = x.shape
        k = weight.shape[2]
        if past_state is None:
            past_state = np.zeros((batch, channels, k - 1), dtype=x.dtype)
        padded = np.concatenate((past_state.astype(x.dtype, copy=False), x), axis=2)
        work = compute_dtype(x.dtype)
        p, w = padded.astype(work), weight[:, 0, :].astype(work)  # w: (channels, k)
        out = np.zeros((batch, channels, length), dtype=work)
        for i in range(k):
            out += p[:, :, i: i + length] * w[None, :, i, None]
        if bias is not None:
            out += bias.astype(work)[None, :, None]
        out = out.astype(x.dtype).astype(work)
        if activation != "none":
            out = out / (1 + np.exp(-out))
        present = padded[:, :, padded.shape[2] - (k - 1):]
        return out.astype(x.dtype), present
