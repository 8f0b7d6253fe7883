"""RandomNormalLike: N(mean, scale^2) samples with the shape (and by default dtype) of the input."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._random import RandomOp, out_dtype
from onnxjit.compiler.ops.registry import Fusion, register


@register("RandomNormalLike", since=1)
class RandomNormalLike(RandomOp):
    fusion = Fusion.OPAQUE
    attrs = {"dtype": None, "mean": 0.0, "scale": 1.0, "seed": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        y = self.rng.normal(self.a.mean, self.a.scale, size=x.shape)
        return np.asarray(y.astype(out_dtype(self.a.dtype, x)))
