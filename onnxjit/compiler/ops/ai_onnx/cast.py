"""Cast: convert a tensor to the element type `to` (numbers, bool, strings, bfloat16, float8/4, int4/2)."""
from __future__ import annotations

import math
from typing import Any

import ml_dtypes
import numpy as np
from onnx import TensorProto

from onnxjit.compiler import prims
from onnxjit.compiler.dtypes import to_numpy_dtype
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register

_FLOAT8 = {np.dtype(t) for t in (ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e4m3fnuz,
                                 ml_dtypes.float8_e5m2, ml_dtypes.float8_e5m2fnuz)}
_E8M0 = np.dtype(ml_dtypes.float8_e8m0fnu)
# Targets a code generator can cast to with a plain scalar conversion.
_PLAIN = {np.dtype(t) for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                                np.uint32, np.uint64, np.float16, np.float32, np.float64)}


def target_dtype(to: int | str) -> np.dtype:
    """numpy dtype for a `to` attribute (an ONNX enum; opset 1 spelled it as a name like 'FLOAT')."""
    if isinstance(to, str):
        to = TensorProto.DataType.Value(to.upper())
    return to_numpy_dtype(int(to))


def _to_string(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, (float, np.floating)) or type(v).__module__ == "ml_dtypes":
        f = float(v)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "INF" if f > 0 else "-INF"
    return str(v)


def _from_string(s: Any, dtype: np.dtype) -> Any:
    s = s.decode() if isinstance(s, bytes) else str(s)
    if dtype.kind in "iu":
        try:
            return int(s)
        except ValueError:
            return int(float(s))
    return float(s)  # float() accepts INF, +INF, -INF and NaN in any case


def _to_e8m0(x: np.ndarray, saturate: bool, round_mode: str) -> np.ndarray:
    """float -> float8e8m0 (a biased power-of-two exponent), rounding the mantissa away per round_mode."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32)
    exponent = ((bits >> 23) & 0xFF).astype(np.uint16)
    mantissa = bits & 0x7FFFFF
    special = exponent == 0xFF
    if round_mode == "nearest":
        guard = (bits & 0x400000) != 0
        rest = (bits & 0x3FFFFF) != 0
        up = guard & (rest | (exponent > 0))
    elif round_mode == "up":
        up = mantissa != 0
    elif round_mode == "down":
        up = np.zeros(bits.shape, dtype=bool)
    else:
        raise ValueError(f"Cast: unknown round_mode {round_mode!r}")
    up &= ~special
    if saturate:
        up &= exponent != 0xFE
    out = np.where(special, 0xFF, exponent + up).astype(np.uint8)
    return out.view(_E8M0)


def cast_array(x: np.ndarray, target: np.dtype, saturate: bool = True, round_mode: str = "up") -> np.ndarray:
    """Convert `x` to `target` with ONNX Cast semantics (strings are numpy object arrays)."""
    target = np.dtype(target)
    if target == object:
        flat = [_to_string(v) for v in np.asarray(x).reshape(-1).tolist()] if x.dtype != object else \
            [_to_string(v) for v in x.reshape(-1)]
        return np.array(flat, dtype=object).reshape(x.shape)
    if x.dtype == object:
        parse_as = target if target.kind in "iu" else np.dtype(np.float64)
        vals = [_from_string(v, parse_as) for v in x.reshape(-1)]
        x = np.array(vals, dtype=parse_as).reshape(x.shape)
    if x.dtype == target:
        return x.copy()
    with np.errstate(all="ignore"):
        if target == _E8M0:
            return _to_e8m0(x.astype(np.float32), saturate, round_mode)
        if target in _FLOAT8 and saturate:
            info = ml_dtypes.finfo(target)
            x = np.clip(x.astype(np.float32) if x.dtype.itemsize < 4 else x, float(info.min), float(info.max))
        try:
            return np.asarray(x.astype(target))
        except (TypeError, ValueError):  # pairs of ml_dtypes types without a direct conversion
            return np.asarray(x.astype(np.float32).astype(target))


@register("Cast", since=1)
class Cast(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"to": REQUIRED, "saturate": 1, "round_mode": "up"}

    def __init__(self, node: Any = None, opset: int | None = None, runner: Any = None):
        super().__init__(node, opset, runner)
        self.target = target_dtype(self.a.to)
        if self.target not in _PLAIN:
            self.fusion = Fusion.OPAQUE  # strings, float8/4, int4/2, bfloat16: host kernel

    def reference(self, x: np.ndarray) -> np.ndarray:
        return cast_array(x, self.target, bool(self.a.saturate), self.a.round_mode)

    def expr(self, x: prims.Expr) -> prims.Expr:
        if self.target not in _PLAIN or x.dtype not in _PLAIN:
            raise NotImplementedError(f"Cast {x.dtype} -> {self.target} has no scalar expression")
        return prims.cast(x, self.target)
