"""DequantizeLinear: y = (x - x_zero_point) * x_scale, per tensor/axis/block."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._quant import dequantize, onnx_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("DequantizeLinear", since=10)
class DequantizeLinear(OpDef):
    """All versions: per-tensor (10), per-axis (13), float8 (19), blocks (21), output_dtype (23)."""

    fusion = Fusion.OPAQUE
    attrs = {"axis": 1, "block_size": 0, "output_dtype": 0}

    def reference(self, x: np.ndarray, x_scale: np.ndarray, x_zero_point: np.ndarray | None = None) -> np.ndarray:
        out = onnx_dtype(self.a.output_dtype) if self.a.output_dtype else None
        return dequantize(x, x_scale, x_zero_point, out, axis=self.a.axis, block_size=self.a.block_size)
