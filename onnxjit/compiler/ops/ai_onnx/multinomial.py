"""Multinomial: sample class indices from each row of unnormalized log-probabilities."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._random import RandomOp, out_dtype
from onnxjit.compiler.ops.registry import Fusion, register


@register("Multinomial", since=7)
class Multinomial(RandomOp):
    fusion = Fusion.OPAQUE
    attrs = {"dtype": 6, "sample_size": 1, "seed": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        logits = x.astype(np.float64)
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
        u = self.rng.random(size=(x.shape[0], int(self.a.sample_size)))
        idx = np.stack([np.searchsorted(cdf[b], u[b], side="right") for b in range(x.shape[0])])
        idx = np.minimum(idx, x.shape[1] - 1)
        return np.asarray(idx.reshape(x.shape[0], -1).astype(out_dtype(self.a.dtype)))
