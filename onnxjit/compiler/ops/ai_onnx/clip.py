"""Clip: elementwise clamp to [min, max]; bounds are attributes (opset 6) or optional inputs (11+)."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register

_FLT_MAX = 3.4028234663852886e38


def _clamp(x: np.ndarray, lo, hi) -> np.ndarray:
    """min(max(x, lo), hi): when lo > hi every value becomes hi, as ONNX specifies."""
    y = x
    if lo is not None:
        y = np.maximum(y, np.asarray(lo, dtype=x.dtype))
    if hi is not None:
        y = np.minimum(y, np.asarray(hi, dtype=x.dtype))
    return np.array(y, dtype=x.dtype)


def _clamp_expr(x: prims.Expr, lo, hi) -> prims.Expr:
    y = x
    if lo is not None:
        y = prims.maximum(y, lo)
    if hi is not None:
        y = prims.minimum(y, hi)
    return y


@register("Clip", since=1)
class Clip6(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"min": -_FLT_MAX, "max": _FLT_MAX}

    def reference(self, x: np.ndarray) -> np.ndarray:
        return _clamp(x, self.a.min, self.a.max)

    def expr(self, x: prims.Expr) -> prims.Expr:
        return _clamp_expr(x, self.a.min, self.a.max)


@register("Clip", since=11)
class Clip11(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray, lo: np.ndarray | None = None, hi: np.ndarray | None = None) -> np.ndarray:
        return _clamp(x, lo, hi)

    def expr(self, x: prims.Expr, lo: prims.Expr | None = None, hi: prims.Expr | None = None) -> prims.Expr:
        return _clamp_expr(x, lo, hi)
