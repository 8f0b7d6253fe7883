"""ScatterND: write slices of `updates` into a copy of `data` at index tuples, optionally reducing."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register

REDUCERS = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}


@register("ScatterND", since=11)
class ScatterND(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"reduction": "none"}

    def reference(self, data: np.ndarray, indices: np.ndarray, updates: np.ndarray) -> np.ndarray:
        out = data.copy()
        idx = indices.astype(np.int64, copy=False)
        where = tuple(idx[..., j] for j in range(idx.shape[-1]))
        if self.a.reduction == "none":
            out[where] = updates
        else:
            REDUCERS[self.a.reduction].at(out, where, updates)
        return out
