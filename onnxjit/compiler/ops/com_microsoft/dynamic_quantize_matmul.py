"""DynamicQuantizeMatMul: quantize float A to uint8 on the fly, integer-matmul with B, rescale to float."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx.dynamic_quantize_linear import DynamicQuantizeLinear
from onnxjit.compiler.ops.com_microsoft.matmul_integer_to_float import int_matmul_to_float
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("DynamicQuantizeMatMul", since=1, domain="com.microsoft")
class DynamicQuantizeMatMul(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, a, b, b_scale, b_zero_point=None, bias=None):
        a_q, a_scale, a_zp = DynamicQuantizeLinear().reference(a.astype(np.float32))
        return int_matmul_to_float(a_q, b, a_scale, b_scale, a_zp, b_zero_point, bias).astype(a.dtype)
