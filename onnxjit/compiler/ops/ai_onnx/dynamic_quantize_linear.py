"""DynamicQuantizeLinear: uint8 quantization of x with scale/zero point computed from its range."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("DynamicQuantizeLinear", since=11)
class DynamicQuantizeLinear(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        qmin, qmax = np.float32(0), np.float32(255)
        maxx = np.float32(max(0.0, float(np.max(x)))) if x.size else np.float32(0)
        minx = np.float32(min(0.0, float(np.min(x)))) if x.size else np.float32(0)
        scale = np.float32((maxx - minx) if maxx != minx else 1.0) / (qmax - qmin)
        zp = np.rint(np.clip(qmin - minx / scale, qmin, qmax))
        y = np.clip(np.rint(x.astype(np.float32) / scale) + zp, qmin, qmax)
        return y.astype(np.uint8), np.asarray(scale, dtype=x.dtype), np.asarray(zp, dtype=np.uint8)
