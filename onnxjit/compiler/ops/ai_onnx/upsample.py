"""Upsample (deprecated): nearest / linear upscaling with asymmetric coordinates."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._resize_common import ResizeMode, resize
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


def upsample(x: np.ndarray, scales: list[float], mode: str) -> np.ndarray:
    mode = mode.decode() if isinstance(mode, bytes) else mode
    mode = "linear" if mode in ("linear", "bilinear") else "nearest"
    out = [int(np.floor(d * s)) for d, s in zip(x.shape, scales)]
    m = ResizeMode(mode=mode, coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    return resize(x, out, scales, None, m)


@register("Upsample", since=7)
class Upsample7(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"mode": "nearest", "scales": REQUIRED}

    def reference(self, x: np.ndarray) -> np.ndarray:
        return upsample(x, [float(s) for s in self.a.scales], self.a.mode)


@register("Upsample", since=9)
class Upsample(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"mode": "nearest"}

    def reference(self, x: np.ndarray, scales: np.ndarray) -> np.ndarray:
        return upsample(x, [float(s) for s in np.asarray(scales).reshape(-1)], self.a.mode)
