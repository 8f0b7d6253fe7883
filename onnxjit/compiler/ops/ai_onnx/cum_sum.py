"""CumSum: running sum along an axis, optionally exclusive and/or reversed."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def cumulate(x: np.ndarray, axis: np.ndarray, exclusive: int, reverse: int, ufunc: np.ufunc) -> np.ndarray:
    """Inclusive/exclusive, forward/reverse scan of `ufunc` (np.add or np.multiply) along `axis`."""
    ax = int(np.asarray(axis).reshape(-1)[0]) % x.ndim
    y = np.flip(x, ax) if reverse else x
    out = ufunc.accumulate(y, axis=ax, dtype=x.dtype)
    if exclusive:
        identity = np.full_like(np.take(out, [0], axis=ax), ufunc.identity)
        out = np.concatenate([identity, np.take(out, np.arange(out.shape[ax] - 1), axis=ax)], axis=ax)
    return np.ascontiguousarray(np.flip(out, ax) if reverse else out)


@register("CumSum", since=11)
class CumSum(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"exclusive": 0, "reverse": 0}

    def reference(self, x: np.ndarray, axis: np.ndarray) -> np.ndarray:
        return cumulate(x, axis, self.a.exclusive, self.a.reverse, np.add)
