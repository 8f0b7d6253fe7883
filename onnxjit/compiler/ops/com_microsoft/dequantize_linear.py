"""com.microsoft DequantizeLinear: ONNX DequantizeLinear with int4/int16/float8 inputs, before opset 21."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._quant import dequantize
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("DequantizeLinear", since=1, domain="com.microsoft")
class DequantizeLinear(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": 1, "block_size": 0}

    def reference(self, x: np.ndarray, x_scale: np.ndarray, x_zero_point: np.ndarray | None = None) -> np.ndarray:
        return dequantize(x, x_scale, x_zero_point, None, axis=self.a.axis, block_size=self.a.block_size)
