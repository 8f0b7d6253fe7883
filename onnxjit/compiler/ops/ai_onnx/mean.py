"""Mean: elementwise mean of any number of inputs, with broadcasting."""
import functools
import operator

import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Mean", since=1)
class Mean(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, *xs: np.ndarray) -> np.ndarray:
        total = functools.reduce(np.add, xs)
        return np.asarray(total / xs[0].dtype.type(len(xs)), dtype=xs[0].dtype)

    def expr(self, *xs: prims.Expr) -> prims.Expr:
        return functools.reduce(operator.add, xs) / len(xs)
