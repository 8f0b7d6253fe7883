"""ArgMax: index of the largest element along an axis (first or last occurrence)."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register
from onnxjit.errors import Fail


def arg_extreme(x: np.ndarray, axis: int, keepdims: int, select_last_index: int, find) -> np.ndarray:
    """Shared by ArgMax (find=np.argmax) and ArgMin (find=np.argmin)."""
    if not -max(x.ndim, 1) <= int(axis) < max(x.ndim, 1):
        raise Fail(f"'axis' must be in [-rank, rank-1] for rank {x.ndim}, got {axis}")  # onnxruntime's check
    axis = int(axis) % max(x.ndim, 1)
    keepdims = int(keepdims) == 1  # onnxruntime keeps the axis only for exactly 1
    if select_last_index:
        out = (x.shape[axis] - 1) - find(np.flip(x, axis), axis=axis, keepdims=bool(keepdims))
    else:
        out = find(x, axis=axis, keepdims=bool(keepdims))
    return np.asarray(out, dtype=np.int64)


@register("ArgMax", since=1)
class ArgMax(OpDef):
    fusion = Fusion.REDUCTION
    attrs = {"axis": 0, "keepdims": 1, "select_last_index": 0}

    def reference(self, x: np.ndarray) -> np.ndarray:
        return arg_extreme(x, self.a.axis, self.a.keepdims, self.a.select_last_index, np.argmax)
