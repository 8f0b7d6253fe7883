"""RandomUniformLike: uniform [low, high) samples with the shape (and by default dtype) of the input."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._random import RandomOp, out_dtype
from onnxjit.compiler.ops.registry import Fusion, register


@register("RandomUniformLike", since=1)
class RandomUniformLike(RandomOp):
    fusion = Fusion.OPAQUE
    attrs = {"dtype": None, "high": 1.0, "low": 0.0, "seed": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        y = self.rng.uniform(self.a.low, self.a.high, size=x.shape)
        return np.asarray(y.astype(out_dtype(self.a.dtype, x)))
