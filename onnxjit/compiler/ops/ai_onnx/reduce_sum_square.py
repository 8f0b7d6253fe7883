"""ReduceSumSquare: sum of squares over the given axes."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._reduce_common import ReduceAxesInput, ReduceBase
from onnxjit.compiler.ops.registry import register
from onnxjit.compiler.prims import Expr, Prim


class _SumSquare(ReduceBase):
    combine = Prim.ADD

    def compute(self, data: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        return np.sum(np.square(data), axis=axes, keepdims=keepdims, dtype=data.dtype)

    def pre(self, x: Expr) -> Expr:
        return x * x


@register("ReduceSumSquare", since=1)
class ReduceSumSquare(_SumSquare):
    """Axes as an attribute."""


@register("ReduceSumSquare", since=18)
class ReduceSumSquare18(ReduceAxesInput, _SumSquare):
    """Axes as an optional input; noop_with_empty_axes."""
