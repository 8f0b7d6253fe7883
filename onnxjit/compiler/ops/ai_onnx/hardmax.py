"""Hardmax: 1 at the first maximum along the axis (or over the trailing dims before opset 13), else 0."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._softmax_common import SingleAxis, SoftmaxFamily
from onnxjit.compiler.ops.registry import register


class _Hardmax(SoftmaxFamily):
    def compute(self, x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        first = axes[0]
        # Move the reduced dims last and flatten them (they are contiguous: [first, first+len)).
        moved = np.moveaxis(x, axes, range(x.ndim - len(axes), x.ndim))
        flat = moved.reshape(moved.shape[: x.ndim - len(axes)] + (-1,))
        hot = np.zeros_like(flat)
        np.put_along_axis(hot, np.argmax(flat, axis=-1)[..., None], 1, axis=-1)
        hot = hot.reshape(moved.shape)
        return np.moveaxis(hot, range(x.ndim - len(axes), x.ndim), axes)


@register("Hardmax", since=1)
class Hardmax(_Hardmax):
    """Coerced to 2-D at axis (default 1)."""


@register("Hardmax", since=13)
class Hardmax13(SingleAxis, _Hardmax):
    """Along one axis (default -1)."""
