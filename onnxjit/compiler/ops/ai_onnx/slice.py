"""Slice: strided sub-tensor along chosen axes, with ONNX's clamping of starts/ends."""
from typing import Optional

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def _slice(x: np.ndarray, starts, ends, axes, steps) -> np.ndarray:
    starts = [int(v) for v in np.asarray(starts).reshape(-1)]
    ends = [int(v) for v in np.asarray(ends).reshape(-1)]
    axes = list(range(len(starts))) if axes is None else [int(a) % x.ndim for a in np.asarray(axes).reshape(-1)]
    steps = [1] * len(starts) if steps is None else [int(s) for s in np.asarray(steps).reshape(-1)]
    index = [slice(None)] * x.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        dim = x.shape[axis]
        start = start + dim if start < 0 else start
        end = end + dim if end < 0 else end
        if step > 0:
            start, end = min(max(start, 0), dim), min(max(end, 0), dim)
            index[axis] = slice(start, end, step)
        else:
            start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
            index[axis] = slice(start, end if end >= 0 else None, step)
    return x[tuple(index)].copy()


@register("Slice", since=1)
class Slice1(OpDef):
    fusion = Fusion.INDEX
    attrs = {"starts": [], "ends": [], "axes": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        return _slice(x, self.a.starts, self.a.ends, self.a.axes, None)


@register("Slice", since=10)
class Slice(OpDef):
    fusion = Fusion.INDEX

    def reference(self, x: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                  axes: Optional[np.ndarray] = None, steps: Optional[np.ndarray] = None) -> np.ndarray:
        return _slice(x, starts, ends, axes, steps)
