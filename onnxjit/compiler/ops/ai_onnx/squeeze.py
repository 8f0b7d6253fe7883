"""Squeeze: remove size-1 dims (the listed axes, or all of them)."""
from typing import Optional

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def _squeeze(x: np.ndarray, axes: Optional[list[int]]) -> np.ndarray:
    if axes is None:
        return x.reshape([d for d in x.shape if d != 1])
    axes = {int(a) % x.ndim for a in axes}
    return x.reshape([d for i, d in enumerate(x.shape) if i not in axes])


@register("Squeeze", since=1)
class Squeeze1(OpDef):
    fusion = Fusion.INDEX
    attrs = {"axes": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        return _squeeze(x, self.a.axes)


@register("Squeeze", since=13)
class Squeeze(OpDef):
    fusion = Fusion.INDEX

    def reference(self, x: np.ndarray, axes: Optional[np.ndarray] = None) -> np.ndarray:
        return _squeeze(x, None if axes is None else list(axes.reshape(-1)))
