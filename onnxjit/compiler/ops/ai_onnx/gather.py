"""Gather: take entries of `data` along `axis` at the given (possibly negative) indices."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register
from onnxjit.errors import Fail


@register("Gather", since=1)
class Gather(OpDef):
    fusion = Fusion.INDEX
    attrs = {"axis": 0}

    def reference(self, data: np.ndarray, indices: np.ndarray) -> np.ndarray:
        if not -data.ndim <= self.a.axis < data.ndim:  # onnxruntime's check
            raise Fail(f"Gather: 'axis' must be in [-rank, rank-1] for rank {data.ndim}, got {self.a.axis}")
        axis = self.a.axis % data.ndim
        idx = indices.astype(np.int64, copy=False)
        idx = np.where(idx < 0, idx + data.shape[axis], idx)
        return np.take(data, idx, axis=axis)
