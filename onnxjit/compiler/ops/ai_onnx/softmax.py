"""Softmax: exp(x - max) / sum(exp(x - max)) along the axis (or trailing dims before opset 13)."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._softmax_common import SingleAxis, SoftmaxFamily, shifted
from onnxjit.compiler.ops.registry import register


class _Softmax(SoftmaxFamily):
    def compute(self, x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        e = np.exp(shifted(x, axes))
        return (e / np.sum(e, axis=axes, keepdims=True)).astype(x.dtype, copy=False)


@register("Softmax", since=1)
class Softmax(_Softmax):
    """Coerced to 2-D at axis (default 1)."""


@register("Softmax", since=13)
class Softmax13(SingleAxis, _Softmax):
    """Along one axis (default -1)."""
