"""StringConcat: elementwise concatenation of two broadcast string tensors."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("StringConcat", since=20)
class StringConcat(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        a, b = np.broadcast_arrays(np.asarray(x, dtype=object), np.asarray(y, dtype=object))
        out = np.empty(a.shape, dtype=object)
        for i in np.ndindex(a.shape):
            out[i] = str(a[i]) + str(b[i])
        return out
