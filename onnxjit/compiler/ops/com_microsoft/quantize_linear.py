"""com.microsoft QuantizeLinear: ONNX QuantizeLinear with int4/int16/float8 outputs, before opset 21."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._quant import quantize
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("QuantizeLinear", since=1, domain="com.microsoft")
class QuantizeLinear(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": 1, "saturate": 1, "block_size": 0}

    def reference(self, x: np.ndarray, y_scale: np.ndarray, y_zero_point: np.ndarray | None = None) -> np.ndarray:
        out = y_zero_point.dtype if y_zero_point is not None else np.dtype(np.uint8)
        return quantize(x, y_scale, y_zero_point, out, axis=self.a.axis, block_size=self.a.block_size,
                        saturate=bool(self.a.saturate))
