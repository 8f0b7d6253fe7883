"""ReduceMean: arithmetic mean over the given axes."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._reduce_common import ReduceAxesInput, ReduceBase, to_count
from onnxjit.compiler.ops.registry import register
from onnxjit.compiler.prims import Expr, Prim


class _Mean(ReduceBase):
    combine = Prim.ADD

    def compute(self, data: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        return np.mean(data, axis=axes, keepdims=keepdims, dtype=data.dtype)

    def empty_value(self, dtype: np.dtype) -> object:
        return 0  # onnxruntime: the mean of an empty set is 0, not NaN

    def post(self, acc: Expr, count: Expr) -> Expr:
        return acc / to_count(acc, count)


@register("ReduceMean", since=1)
class ReduceMean(_Mean):
    """Axes as an attribute."""


@register("ReduceMean", since=18)
class ReduceMean18(ReduceAxesInput, _Mean):
    """Axes as an optional input; noop_with_empty_axes."""
