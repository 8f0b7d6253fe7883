"""ReduceL2: Euclidean norm over the given axes."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.ai_onnx._reduce_common import ReduceAxesInput, ReduceBase
from onnxjit.compiler.ops.registry import register
from onnxjit.compiler.prims import Expr, Prim


class _L2(ReduceBase):
    combine = Prim.ADD

    def compute(self, data: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        return np.sqrt(np.sum(np.square(data), axis=axes, keepdims=keepdims))

    def pre(self, x: Expr) -> Expr:
        return x * x

    def post(self, acc: Expr, count: Expr) -> Expr:
        return prims.sqrt(acc)


@register("ReduceL2", since=1)
class ReduceL2(_L2):
    """Axes as an attribute."""


@register("ReduceL2", since=18)
class ReduceL218(ReduceAxesInput, _L2):
    """Axes as an optional input; noop_with_empty_axes."""
