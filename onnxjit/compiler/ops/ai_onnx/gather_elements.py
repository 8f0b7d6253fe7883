"""GatherElements: out[i][j][k] = data[index[i][j][k]][j][k] (for axis 0; likewise for others)."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("GatherElements", since=11)
class GatherElements(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": 0}

    def reference(self, data: np.ndarray, indices: np.ndarray) -> np.ndarray:
        axis = self.a.axis % data.ndim
        idx = indices.astype(np.int64, copy=False)
        idx = np.where(idx < 0, idx + data.shape[axis], idx)
        return np.take_along_axis(data, idx, axis=axis)
