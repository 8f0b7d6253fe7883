"""Trilu: keep the upper (or lower) triangle of the last two dims, offset by k."""
from typing import Optional

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Trilu", since=14)
class Trilu(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"upper": 1}

    def reference(self, x: np.ndarray, k: Optional[np.ndarray] = None) -> np.ndarray:
        offset = 0 if k is None else int(k.reshape(-1)[0])
        return np.triu(x, offset) if self.a.upper else np.tril(x, offset)
