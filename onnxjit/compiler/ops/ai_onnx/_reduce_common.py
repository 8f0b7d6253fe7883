"""Shared machinery of the Reduce* ops: axes handling, keepdims, empty-set values.

Each Reduce op declares how it combines values (`compute`), the value of a reduction over an
empty set (`empty_value`), and, for the code generators, its scalar form: `pre(x)` applied to each
element, the `combine` primitive that folds them, and `post(acc, count)` applied to the result.
Two signatures exist: axes as an attribute (older opsets) and axes as an optional second input
(ReduceSum since 13, the others since 18, with `noop_with_empty_axes`).
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.ai_onnx._norm_common import compute_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef
from onnxjit.compiler.prims import Expr, Prim
from onnxjit.errors import Fail



def normalize_axes(axes: Any, ndim: int) -> tuple[int, ...]:
    """Sorted, non-negative, de-duplicated axes; one outside [-rank, rank-1] fails, as in onnxruntime."""
    bad = [int(a) for a in axes if not -ndim <= int(a) < max(ndim, 1)]
    if bad:
        raise Fail(f"axes {[int(a) for a in axes]} must be in [-rank, rank-1] for rank {ndim}")
    return tuple(sorted({int(a) + ndim if int(a) < 0 else int(a) for a in axes}))


class ReduceBase(OpDef):
    """A reduction over `axes` (attribute form: axes missing or empty reduce every axis)."""

    fusion = Fusion.REDUCTION
    attrs: ClassVar[dict[str, Any]] = {"axes": None, "keepdims": 1}
    axes_input: ClassVar[bool] = False
    combine: ClassVar[Prim | None] = Prim.ADD  # None: no single-pass scalar form

    # --- subclass hooks -------------------------------------------------------------------
    def compute(self, data: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        raise NotImplementedError

    def empty_value(self, dtype: np.dtype) -> Any:
        """Result of reducing an empty set; None lets `compute` handle it."""
        return None

    def pre(self, x: Expr) -> Expr:
        return x

    def post(self, acc: Expr, count: Expr) -> Expr:
        return acc

    # --- shared logic ---------------------------------------------------------------------
    def reduction_axes(self, data: np.ndarray, axes_in: np.ndarray | None = None) -> tuple[int, ...] | None:
        """None for all axes, () for a no-op, else the normalised axes."""
        if self.axes_input:
            if axes_in is None or np.asarray(axes_in).size == 0:
                return () if getattr(self.a, "noop_with_empty_axes", 0) else None
            return normalize_axes(np.asarray(axes_in).reshape(-1).tolist(), data.ndim)
        axes = self.a.axes
        if axes is None or len(axes) == 0:
            return None
        return normalize_axes(axes, data.ndim)

    def reference(self, data: np.ndarray, axes_in: np.ndarray | None = None) -> np.ndarray:
        axes = self.reduction_axes(data, axes_in)  # () still applies the op's map (abs, square, log...)
        keepdims = int(self.a.keepdims) == 1  # onnxruntime keeps dims only for exactly 1 (2, -3 reduce rank)
        if data.size == 0:
            value = self.empty_value(data.dtype)
            if value is not None:
                shape = np.sum(np.zeros(data.shape, dtype=np.int8), axis=axes, keepdims=keepdims).shape
                return np.full(shape, value, dtype=data.dtype)
        work = data.astype(compute_dtype(data.dtype), copy=False)  # 16-bit floats accumulate in float32
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = self.compute(work, axes, keepdims)
        return np.asarray(out).astype(data.dtype, copy=False)


class ReduceAxesInput(ReduceBase):
    """The signature with axes as an optional second input (and noop_with_empty_axes)."""

    attrs: ClassVar[dict[str, Any]] = {"keepdims": 1, "noop_with_empty_axes": 0}
    axes_input = True


def lowest(dtype: np.dtype) -> Any:
    """The identity of max: -inf, the smallest integer, or False."""
    if dtype == np.bool_:
        return False
    if np.issubdtype(dtype, np.integer):
        return np.iinfo(dtype).min
    return -np.inf


def highest(dtype: np.dtype) -> Any:
    """The identity of min: +inf, the largest integer, or True."""
    if dtype == np.bool_:
        return True
    if np.issubdtype(dtype, np.integer):
        return np.iinfo(dtype).max
    return np.inf


def to_count(acc: Expr, count: Expr) -> Expr:
    return prims.cast(count, acc.dtype)
