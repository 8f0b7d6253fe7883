"""ReduceL1: sum of absolute values over the given axes."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.ai_onnx._reduce_common import ReduceAxesInput, ReduceBase
from onnxjit.compiler.ops.registry import register
from onnxjit.compiler.prims import Expr, Prim


class _L1(ReduceBase):
    combine = Prim.ADD

    def compute(self, data: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        return np.sum(np.abs(data), axis=axes, keepdims=keepdims, dtype=data.dtype)

    def pre(self, x: Expr) -> Expr:
        return prims.absolute(x)


@register("ReduceL1", since=1)
class ReduceL1(_L1):
    """Axes as an attribute."""


@register("ReduceL1", since=18)
class ReduceL118(ReduceAxesInput, _L1):
    """Axes as an optional input; noop_with_empty_axes."""
