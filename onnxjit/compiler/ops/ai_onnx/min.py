"""Min: elementwise smallest of any number of inputs, with broadcasting (NaN propagates)."""
import functools

import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Min", since=1)
class Min(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, *xs: np.ndarray) -> np.ndarray:
        return np.array(functools.reduce(np.minimum, xs), dtype=xs[0].dtype)

    def expr(self, *xs: prims.Expr) -> prims.Expr:
        return functools.reduce(prims.minimum, xs)
