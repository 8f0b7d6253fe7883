"""RandomNormalLike: N(mean, scale^2) samples with the shape (and by default dtype) of the input."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._random import generator, out_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("RandomNormalLike", since=1)
class RandomNormalLike(OpDef):
    fusion = Fusion.OPAQUE
    deterministic = False
    attrs = {"dtype": None, "mean": 0.0, "scale": 1.0, "seed": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        y = generator(self.a.seed).normal(self.a.mean, self.a.scale, size=x.shape)
        return np.asarray(y.astype(out_dtype(self.a.dtype, x)))
