"""TensorScatter: write `update` into a KV-cache tensor along `axis` at per-batch offsets (linear or circular)."""
from typing import Optional

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("TensorScatter", since=24)
class TensorScatter(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": -2, "mode": "linear"}

    def reference(self, past: np.ndarray, update: np.ndarray,
                  write_indices: Optional[np.ndarray] = None) -> np.ndarray:
        axis = self.a.axis % past.ndim
        capacity, length = past.shape[axis], update.shape[axis]
        out = past.copy()
        for b in range(past.shape[0]):
            start = 0 if write_indices is None else int(write_indices[b])
            positions = start + np.arange(length)
            if self.a.mode == "circular":
                positions %= capacity
            np.moveaxis(out[b], axis - 1, 0)[positions] = np.moveaxis(update[b], axis - 1, 0)
        return out
