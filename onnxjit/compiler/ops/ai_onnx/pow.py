"""Pow: elementwise base ** exponent with broadcasting; the result has the base's dtype."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Pow", since=1)
class Pow(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            if x.dtype.kind in "iu" and y.dtype.kind in "iu" and not np.any(y < 0):
                return np.asarray(np.power(x, y.astype(x.dtype)), dtype=x.dtype)
            if x.dtype.kind in "iu":  # float or negative exponent: compute in double, truncate
                return np.asarray(np.power(x.astype(np.float64), y.astype(np.float64))).astype(x.dtype)
            if x.dtype.itemsize < 4:  # half types: compute in float32 like the ONNX backends
                return np.asarray(np.power(x.astype(np.float32), y.astype(np.float32))).astype(x.dtype)
            return np.asarray(np.power(x, y.astype(x.dtype)), dtype=x.dtype)

    def expr(self, x: prims.Expr, y: prims.Expr) -> prims.Expr:
        if x.dtype.kind in "iu" and y.dtype.kind == "f":
            return prims.cast(prims.cast(x, y.dtype) ** y, x.dtype)
        if y.dtype != x.dtype:
            y = prims.cast(y, x.dtype)
        return x ** y
