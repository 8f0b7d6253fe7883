"""Sum: elementwise sum of any number of inputs, with broadcasting."""
import functools
import operator

import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Sum", since=1)
class Sum(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, *xs: np.ndarray) -> np.ndarray:
        return np.array(functools.reduce(np.add, xs), dtype=xs[0].dtype)

    def expr(self, *xs: prims.Expr) -> prims.Expr:
        return functools.reduce(operator.add, xs)
