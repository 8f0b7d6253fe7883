"""ReduceLogSum: log of the sum over the given axes (-inf for an empty set)."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.ai_onnx._reduce_common import ReduceAxesInput, ReduceBase
from onnxjit.compiler.ops.registry import register
from onnxjit.compiler.prims import Expr, Prim


class _LogSum(ReduceBase):
    combine = Prim.ADD

    def compute(self, data: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        return np.log(np.sum(data, axis=axes, keepdims=keepdims, dtype=data.dtype))

    def empty_value(self, dtype: np.dtype) -> object:
        return -np.inf

    def post(self, acc: Expr, count: Expr) -> Expr:
        return prims.log(acc)


@register("ReduceLogSum", since=1)
class ReduceLogSum(_LogSum):
    """Axes as an attribute."""


@register("ReduceLogSum", since=18)
class ReduceLogSum18(ReduceAxesInput, _LogSum):
    """Axes as an optional input; noop_with_empty_axes."""
