"""Range: start, start+delta, ... up to (excluding) limit."""
import math

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Range", since=11)
class Range(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, start: np.ndarray, limit: np.ndarray, delta: np.ndarray) -> np.ndarray:
        s, l, d = start.item(), limit.item(), delta.item()
        if np.issubdtype(start.dtype, np.integer):
            count = max(-((s - l) // d), 0)
        else:
            count = max(math.ceil((l - s) / d), 0)
        return (start + np.arange(count, dtype=start.dtype) * delta).astype(start.dtype, copy=False)
