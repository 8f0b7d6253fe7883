"""SplitToSequence: split a tensor along an axis into a sequence of pieces (equal ones, or given lengths)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("SplitToSequence", since=11)
class SplitToSequence(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": 0, "keepdims": 1}
    returns_list = False

    def reference(self, x: np.ndarray, split: np.ndarray | None = None) -> list[np.ndarray]:
        axis = int(self.a.axis) % x.ndim
        dim = x.shape[axis]
        if split is None:
            pieces = [np.take(x, [i], axis=axis) for i in range(dim)]
            return pieces if self.a.keepdims else [np.squeeze(p, axis=axis) for p in pieces]
        split = np.asarray(split)
        if split.ndim == 0:
            size = int(split)
            lengths = [size] * (dim // size) + ([dim % size] if dim % size else [])
        else:
            lengths = [int(s) for s in split]
        bounds = np.cumsum(lengths)[:-1]
        return list(np.split(x, bounds, axis=axis))
