"""RandomNormal: a tensor of the given shape drawn from N(mean, scale^2)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._random import RandomOp, out_dtype
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, register


@register("RandomNormal", since=1)
class RandomNormal(RandomOp):
    fusion = Fusion.OPAQUE
    attrs = {"dtype": 1, "mean": 0.0, "scale": 1.0, "seed": None, "shape": REQUIRED}

    def reference(self) -> np.ndarray:
        rng = self.rng
        y = rng.normal(self.a.mean, self.a.scale, size=tuple(int(d) for d in self.a.shape))
        return np.asarray(y.astype(out_dtype(self.a.dtype)))
