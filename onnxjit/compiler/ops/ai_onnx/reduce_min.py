"""ReduceMin: minimum over the given axes (+inf, the largest integer or True for an empty set)."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._reduce_common import ReduceAxesInput, ReduceBase, highest
from onnxjit.compiler.ops.registry import register
from onnxjit.compiler.prims import Prim


class _Min(ReduceBase):
    combine = Prim.MIN

    def compute(self, data: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        return np.min(data, axis=axes, keepdims=keepdims)

    def empty_value(self, dtype: np.dtype) -> object:
        return highest(dtype)


@register("ReduceMin", since=1)
class ReduceMin(_Min):
    """Axes as an attribute."""


@register("ReduceMin", since=18)
class ReduceMin18(ReduceAxesInput, _Min):
    """Axes as an optional input; noop_with_empty_axes."""
