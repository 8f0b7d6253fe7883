"""TopK: the k largest (or smallest) entries along an axis and their indices; ties keep the lower index first."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def top_k(x: np.ndarray, k: int, axis: int, largest: int) -> tuple[np.ndarray, np.ndarray]:
    axis = axis % x.ndim
    n = x.shape[axis]
    if largest:
        # A stable ascending sort of the reversed axis, read backwards, orders ties by increasing index.
        order = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
        order = (n - 1) - np.flip(order, axis)
    else:
        order = np.argsort(x, axis=axis, kind="stable")
    order = np.take(order, np.arange(k), axis=axis).astype(np.int64)
    return np.take_along_axis(x, order, axis=axis), order


@register("TopK", since=1)
class TopK1(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": -1, "k": 1}

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return top_k(x, self.a.k, self.a.axis, 1)


@register("TopK", since=10)
class TopK(OpDef):
    """Opset 10+: k is an input; opset 11 adds `largest` and `sorted` (results here are always sorted)."""

    fusion = Fusion.OPAQUE
    attrs = {"axis": -1, "largest": 1, "sorted": 1}

    def reference(self, x: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return top_k(x, int(k.reshape(-1)[0]), self.a.axis, self.a.largest)
