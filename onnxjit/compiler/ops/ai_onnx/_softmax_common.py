"""Axis semantics shared by Softmax, LogSoftmax and Hardmax.

Up to opset 11 the input is coerced to 2-D at `axis` (default 1): the op normalises over all
trailing dims [axis, rank) together. From opset 13 it normalises along the single `axis` (default -1).
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef


class SoftmaxFamily(OpDef):
    """Base of one version of Softmax/LogSoftmax/Hardmax; `flatten` selects the opset-1..11 rule."""

    fusion = Fusion.REDUCTION
    attrs: ClassVar[dict[str, Any]] = {"axis": 1}
    flatten: ClassVar[bool] = True

    def reduce_axes(self, ndim: int) -> tuple[int, ...]:
        axis = int(self.a.axis)
        axis = axis + ndim if axis < 0 else axis
        return tuple(range(axis, ndim)) if self.flatten else (axis,)

    def reference(self, x: np.ndarray) -> np.ndarray:
        if x.ndim == 0:
            return self.compute(x.reshape(1), (0,)).reshape(())
        return self.compute(x, self.reduce_axes(x.ndim))

    def compute(self, x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
        raise NotImplementedError


class SingleAxis(SoftmaxFamily):
    """The opset-13 rule: one axis, default -1."""

    attrs: ClassVar[dict[str, Any]] = {"axis": -1}
    flatten = False


def shifted(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """x minus its max along `axes` (a max of -inf or +inf shifts by 0)."""
    peak = np.max(x, axis=axes, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0).astype(x.dtype)
    return x - peak
