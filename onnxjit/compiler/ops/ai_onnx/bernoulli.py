"""Bernoulli: 1 with probability x, else 0, elementwise."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._random import RandomOp, out_dtype
from onnxjit.compiler.ops.registry import Fusion, register


@register("Bernoulli", since=15)
class Bernoulli(RandomOp):
    fusion = Fusion.OPAQUE
    attrs = {"dtype": None, "seed": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        draws = self.rng.random(size=x.shape) < x.astype(np.float64)
        return np.asarray(draws.astype(out_dtype(self.a.dtype, x)))
