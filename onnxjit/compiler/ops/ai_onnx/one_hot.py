"""OneHot: one-hot encode indices along a new axis, with [off, on] values."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("OneHot", since=9)
class OneHot(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": -1}

    def reference(self, indices: np.ndarray, depth: np.ndarray, values: np.ndarray) -> np.ndarray:
        n = int(depth.reshape(-1)[0])
        idx = indices.astype(np.int64)
        idx = np.where(idx < 0, idx + n, idx)
        hot = idx[..., None] == np.arange(n)  # out-of-range indices match nothing
        hot = np.moveaxis(hot, -1, self.a.axis % (indices.ndim + 1))
        off, on = values.reshape(-1)[:2]
        return np.where(hot, on, off).astype(values.dtype)
