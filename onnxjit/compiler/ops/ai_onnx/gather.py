"""Gather: take entries of `data` along `axis` at the given (possibly negative) indices."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Gather", since=1)
class Gather(OpDef):
    fusion = Fusion.INDEX
    attrs = {"axis": 0}

    def reference(self, data: np.ndarray, indices: np.ndarray) -> np.ndarray:
        axis = self.a.axis % data.ndim
        idx = indices.astype(np.int64, copy=False)
        idx = np.where(idx < 0, idx + data.shape[axis], idx)
        return np.take(data, idx, axis=axis)
