"""LogSoftmax: x - max - log(sum(exp(x - max))) along the axis (or trailing dims before opset 13)."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._softmax_common import SingleAxis, SoftmaxFamily, shifted
from onnxjit.compiler.ops.registry import register


class _LogSoftmax(SoftmaxFamily):
    def compute(self, x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        s = shifted(x, axes)
        return (s - np.log(np.sum(np.exp(s), axis=axes, keepdims=True))).astype(x.dtype, copy=False)


@register("LogSoftmax", since=1)
class LogSoftmax(_LogSoftmax):
    """Coerced to 2-D at axis (default 1)."""


@register("LogSoftmax", since=13)
class LogSoftmax13(SingleAxis, _LogSoftmax):
    """Along one axis (default -1)."""
