"""Gelu: elementwise x * Phi(x), exact (erf) or with the tanh approximation."""
import math

import numpy as np
from scipy import special

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


@register("Gelu", since=20)
class Gelu(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"approximate": "none"}

    def reference(self, x: np.ndarray) -> np.ndarray:
        xf = x.astype(np.float64)
        if self.a.approximate == "tanh":
            y = 0.5 * xf * (1.0 + np.tanh(_SQRT_2_OVER_PI * (xf + 0.044715 * xf ** 3)))
        else:
            y = 0.5 * xf * (1.0 + special.erf(xf / math.sqrt(2.0)))
        return np.asarray(y).astype(x.dtype)

    def expr(self, x: prims.Expr) -> prims.Expr:
        if self.a.approximate == "tanh":
            inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
            return x * 0.5 * (prims.tanh(inner) + 1)
        return x * 0.5 * (prims.erf(x * (1 / math.sqrt(2.0))) + 1)
