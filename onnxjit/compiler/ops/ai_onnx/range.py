"""Range: start, start+delta, ... up to (excluding) limit."""
import math

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Range", since=11)
class Range(OpDef):
    """Opset 27's stash_type=1 (float32 arithmetic for half types) is applied for every opset."""

    fusion = Fusion.OPAQUE
    attrs = {"stash_type": 1}

    def reference(self, start: np.ndarray, limit: np.ndarray, delta: np.ndarray) -> np.ndarray:
        s, l, d = start.item(), limit.item(), delta.item()
        dtype = start.dtype
        if np.issubdtype(dtype, np.integer):
            count = max(-((s - l) // d), 0)
            return np.asarray(s + np.arange(count, dtype=dtype) * d, dtype=dtype)
        count = max(math.ceil((float(l) - float(s)) / float(d)), 0)
        work = np.float32 if dtype.itemsize < 4 and self.a.stash_type == 1 else dtype
        steps = np.arange(count, dtype=work)
        return (np.asarray(s, dtype=work) + steps * np.asarray(d, dtype=work)).astype(dtype)
