"""Split: cut a tensor into several along an axis (given sizes, or equal parts)."""
from typing import Optional

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def _split(x: np.ndarray, axis: int, sizes: Optional[list[int]], parts: int) -> tuple[np.ndarray, ...]:
    """Split `x` by explicit `sizes`, else into `parts` pieces of ceil(dim/parts) (the last smaller)."""
    axis = axis % x.ndim
    dim = x.shape[axis]
    if sizes is None:
        step = -(-dim // parts) if parts else dim
        sizes = [min(step, dim - i * step) for i in range(parts)]
    offsets = np.cumsum([0] + [int(s) for s in sizes])
    index = [slice(None)] * x.ndim
    out = []
    for begin, end in zip(offsets[:-1], offsets[1:]):
        index[axis] = slice(int(begin), int(end))
        out.append(x[tuple(index)].copy())
    return tuple(out)


@register("Split", since=1)
class Split1(OpDef):
    """Opset 1: sizes from the `split` attribute or an optional second input."""

    fusion = Fusion.INDEX
    attrs = {"axis": 0, "split": None}

    def reference(self, x: np.ndarray, split: Optional[np.ndarray] = None) -> tuple[np.ndarray, ...]:
        sizes = self.a.split if split is None else list(split.reshape(-1))
        return _split(x, self.a.axis, sizes or None, len(self.node.outputs))


@register("Split", since=2)
class Split2(OpDef):
    fusion = Fusion.INDEX
    attrs = {"axis": 0, "split": None}

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        return _split(x, self.a.axis, self.a.split or None, len(self.node.outputs))


@register("Split", since=13)
class Split(OpDef):
    """Opset 13+: sizes from the optional `split` input; opset 18 adds `num_outputs`."""

    fusion = Fusion.INDEX
    attrs = {"axis": 0, "num_outputs": None}

    def reference(self, x: np.ndarray, split: Optional[np.ndarray] = None) -> tuple[np.ndarray, ...]:
        sizes = None if split is None or split.size == 0 else list(split.reshape(-1))
        parts = self.a.num_outputs if self.a.num_outputs is not None else len(self.node.outputs)
        return _split(x, self.a.axis, sizes, parts)
