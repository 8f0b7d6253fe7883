"""RandomUniform: a tensor of the given shape drawn uniformly from [low, high)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._random import RandomOp, out_dtype
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, register


@register("RandomUniform", since=1)
class RandomUniform(RandomOp):
    fusion = Fusion.OPAQUE
    attrs = {"dtype": 1, "high": 1.0, "low": 0.0, "seed": None, "shape": REQUIRED}

    def reference(self) -> np.ndarray:
        rng = self.rng
        y = rng.uniform(self.a.low, self.a.high, size=tuple(int(d) for d in self.a.shape))
        return np.asarray(y.astype(out_dtype(self.a.dtype)))
