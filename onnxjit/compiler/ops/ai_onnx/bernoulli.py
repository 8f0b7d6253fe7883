"""Bernoulli: 1 with probability x, else 0, elementwise."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._random import generator, out_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Bernoulli", since=15)
class Bernoulli(OpDef):
    fusion = Fusion.OPAQUE
    deterministic = False
    attrs = {"dtype": None, "seed": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        draws = generator(self.a.seed).random(size=x.shape) < x.astype(np.float64)
        return np.asarray(draws.astype(out_dtype(self.a.dtype, x)))
