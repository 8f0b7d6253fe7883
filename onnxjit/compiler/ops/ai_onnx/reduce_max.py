"""ReduceMax: maximum over the given axes (-inf, the smallest integer or False for an empty set)."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._reduce_common import ReduceAxesInput, ReduceBase, lowest
from onnxjit.compiler.ops.registry import register
from onnxjit.compiler.prims import Prim


class _Max(ReduceBase):
    combine = Prim.MAX

    def compute(self, data: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        return np.max(data, axis=axes, keepdims=keepdims)

    def empty_value(self, dtype: np.dtype) -> object:
        return lowest(dtype)


@register("ReduceMax", since=1)
class ReduceMax(_Max):
    """Axes as an attribute."""


@register("ReduceMax", since=18)
class ReduceMax18(ReduceAxesInput, _Max):
    """Axes as an optional input; noop_with_empty_axes."""
