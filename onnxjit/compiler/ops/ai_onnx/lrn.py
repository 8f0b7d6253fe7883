"""LRN: local response normalisation across a window of `size` neighbouring channels."""
import numpy as np

from onnxjit.compiler.ops.registry import REQUIRED, OpDef, register


@register("LRN", since=1)
class LRN(OpDef):
    attrs = {"alpha": 1e-4, "beta": 0.75, "bias": 1.0, "size": REQUIRED}

    def reference(self, x: np.ndarray) -> np.ndarray:
        size, channels = int(self.a.size), x.shape[1]
        before, after = (size - 1) // 2, size // 2  # floor and ceil of (size - 1) / 2
        squares = x.astype(np.float64) ** 2
        total = np.zeros_like(squares)
        for c in range(channels):
            total[:, c] = squares[:, max(0, c - before): min(channels, c + after + 1)].sum(axis=1)
        y = x / (self.a.bias + (self.a.alpha / size) * total) ** self.a.beta
        return y.astype(x.dtype)
