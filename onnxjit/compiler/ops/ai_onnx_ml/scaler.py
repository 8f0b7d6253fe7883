"""Scaler: (x - offset) * scale per column, as float."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Scaler", since=1, domain="ai.onnx.ml")
class Scaler(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"offset": None, "scale": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        offset = np.asarray(self.a.offset if self.a.offset else [0.0], dtype=np.float32)
        scale = np.asarray(self.a.scale if self.a.scale else [1.0], dtype=np.float32)
        return np.asarray((x.astype(np.float32) - offset) * scale, dtype=np.float32)
