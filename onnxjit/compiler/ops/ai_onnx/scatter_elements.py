"""ScatterElements: write `updates` into a copy of `data` at per-element indices along `axis`, optionally reducing."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register

REDUCERS = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}


def scatter_elements(data: np.ndarray, indices: np.ndarray, updates: np.ndarray,
                     axis: int, reduction: str = "none") -> np.ndarray:
    """Shared by Scatter (deprecated alias) and ScatterElements."""
    axis = axis % data.ndim
    idx = indices.astype(np.int64, copy=False)
    idx = np.where(idx < 0, idx + data.shape[axis], idx)
    grid = list(np.indices(idx.shape, sparse=True))
    grid[axis] = idx
    out = data.copy()
    if reduction == "none":
        out[tuple(grid)] = updates
    else:
        REDUCERS[reduction].at(out, tuple(grid), updates)
    return out


@register("ScatterElements", since=11)
class ScatterElements(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": 0, "reduction": "none"}

    def reference(self, data: np.ndarray, indices: np.ndarray, updates: np.ndarray) -> np.ndarray:
        return scatter_elements(data, indices, updates, self.a.axis, self.a.reduction)
