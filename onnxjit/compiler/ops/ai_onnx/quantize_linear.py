"""QuantizeLinear: y = saturate(round_half_even(x / y_scale) + y_zero_point), per tensor/axis/block."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._quant import onnx_dtype, quantize
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("QuantizeLinear", since=10)
class QuantizeLinear(OpDef):
    """All versions: per-tensor (10), per-axis (13), float8 + saturate (19), blocks and output_dtype (21),
    precision (23); later attributes simply keep their defaults in older models."""

    fusion = Fusion.OPAQUE
    attrs = {"axis": 1, "saturate": 1, "block_size": 0, "output_dtype": 0, "precision": 0}

    def reference(self, x: np.ndarray, y_scale: np.ndarray, y_zero_point: np.ndarray | None = None) -> np.ndarray:
        if y_zero_point is not None:
            out = y_zero_point.dtype
        elif self.a.output_dtype:
            out = onnx_dtype(self.a.output_dtype)
        else:
            out = np.dtype(np.uint8)
        precision = onnx_dtype(self.a.precision) if self.a.precision else None
        return quantize(x, y_scale, y_zero_point, out, axis=self.a.axis, block_size=self.a.block_size,
                        saturate=bool(self.a.saturate), precision=precision)
