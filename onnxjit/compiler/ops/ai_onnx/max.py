"""Max: elementwise largest of any number of inputs, with broadcasting (NaN propagates)."""
import functools

import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Max", since=1)
class Max(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, *xs: np.ndarray) -> np.ndarray:
        return np.array(functools.reduce(np.maximum, xs), dtype=xs[0].dtype)

    def expr(self, *xs: prims.Expr) -> prims.Expr:
        return functools.reduce(prims.maximum, xs)
