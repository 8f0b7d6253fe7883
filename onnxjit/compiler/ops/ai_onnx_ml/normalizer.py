"""Normalizer: scale each row by its max, L1 norm or L2 norm."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Normalizer", since=1, domain="ai.onnx.ml")
class Normalizer(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"norm": "MAX"}

    def reference(self, x: np.ndarray) -> np.ndarray:
        v = x.astype(np.float32)
        if self.a.norm == "MAX":
            d = v.max(axis=-1, keepdims=True)
        elif self.a.norm == "L1":
            d = np.abs(v).sum(axis=-1, keepdims=True)
        elif self.a.norm == "L2":
            d = np.sqrt((v * v).sum(axis=-1, keepdims=True))
        else:
            raise ValueError(f"unknown norm {self.a.norm!r}")
        return np.asarray(v / d, dtype=np.float32)
