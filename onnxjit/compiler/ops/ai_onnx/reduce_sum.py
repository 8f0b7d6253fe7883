"""ReduceSum: sum of the elements over the given axes."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._reduce_common import ReduceAxesInput, ReduceBase
from onnxjit.compiler.ops.registry import register
from onnxjit.compiler.prims import Prim


class _Sum(ReduceBase):
    combine = Prim.ADD

    def compute(self, data: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        return np.sum(data, axis=axes, keepdims=keepdims, dtype=data.dtype)


@register("ReduceSum", since=1)
class ReduceSum(_Sum):
    """Axes as an attribute."""


@register("ReduceSum", since=13)
class ReduceSum13(ReduceAxesInput, _Sum):
    """Axes as an optional input; noop_with_empty_axes."""
