"""BatchNormalization: per-channel (x - mean) / sqrt(var + eps) * scale + bias (inference; training since 14)."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._norm_common import channel_view
from onnxjit.compiler.ops.registry import OpDef, register
from onnxjit.errors import InvalidArgument


def _per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    # spatial=0 (opset < 9) gives per-activation statistics shaped like x[0]: they broadcast as is.
    return channel_view(v, ndim) if v.ndim == 1 else v


def batch_norm(x, scale, bias, mean, var, epsilon: float) -> np.ndarray:
    n = x.ndim
    for role, v in (("scale", scale), ("B", bias), ("mean", mean), ("var", var)):
        if v.ndim == 1 and (n < 2 or v.shape[0] != x.shape[1]):  # onnxruntime does not broadcast them
            raise InvalidArgument(f"BatchNormalization: {role} of shape {v.shape} does not match the input's "
                                  f"channels (input shape {x.shape})")
    y = (x - _per_channel(mean, n)) / np.sqrt(_per_channel(var, n) + x.dtype.type(epsilon))
    return (y * _per_channel(scale, n) + _per_channel(bias, n)).astype(x.dtype)


@register("BatchNormalization", since=1)
class BatchNormalization(OpDef):
    """Inference mode with running statistics (is_test/spatial attributes are accepted)."""

    attrs = {"epsilon": 1e-5, "momentum": 0.9}

    def reference(self, x, scale, bias, mean, var):
        return batch_norm(x, scale, bias, mean, var, self.a.epsilon)


@register("BatchNormalization", since=14)
class BatchNormalization14(OpDef):
    """training_mode=1 normalises with batch statistics and also returns the updated running ones."""

    attrs = {"epsilon": 1e-5, "momentum": 0.9, "training_mode": 0}

    def reference(self, x, scale, bias, mean, var):
        if not self.a.training_mode:
            return batch_norm(x, scale, bias, mean, var, self.a.epsilon)
        axes = (0,) + tuple(range(2, x.ndim))
        batch_mean, batch_var = x.mean(axis=axes), x.var(axis=axes)
        m = self.a.momentum
        running_mean = (mean * m + batch_mean * (1 - m)).astype(mean.dtype)
        running_var = (var * m + batch_var * (1 - m)).astype(var.dtype)
        y = batch_norm(x, scale, bias, batch_mean.astype(x.dtype), batch_var.astype(x.dtype), self.a.epsilon)
        return y, running_mean, running_var
