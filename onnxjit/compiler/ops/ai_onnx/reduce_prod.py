"""ReduceProd: product over the given axes (1 for an empty set)."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._reduce_common import ReduceAxesInput, ReduceBase
from onnxjit.compiler.ops.registry import register
from onnxjit.compiler.prims import Prim


class _Prod(ReduceBase):
    combine = Prim.MUL

    def compute(self, data: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        return np.prod(data, axis=axes, keepdims=keepdims, dtype=data.dtype)


@register("ReduceProd", since=1)
class ReduceProd(_Prod):
    """Axes as an attribute."""


@register("ReduceProd", since=18)
class ReduceProd18(ReduceAxesInput, _Prod):
    """Axes as an optional input; noop_with_empty_axes."""
