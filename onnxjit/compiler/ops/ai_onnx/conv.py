"""Conv: grouped N-d cross-correlation with bias (im2col + GEMM)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._conv_common import conv_attr_problem, conv_nd, conv_pads, spatial_list
from onnxjit.compiler.ops.registry import Fusion, OpDef, register
from onnxjit.errors import Fail


@register("Conv", since=1)
class Conv(OpDef):
    fusion = Fusion.TEMPLATE
    attrs = {"auto_pad": "NOTSET", "dilations": None, "group": 1, "kernel_shape": None, "pads": None, "strides": None}

    def reference(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        nd = x.ndim - 2
        kernel = list(w.shape[2:])
        if w.ndim != x.ndim:
            raise Fail(f"Conv node '{self.node_name}': weight rank {w.ndim} does not match input rank {x.ndim}")
        # negative pads crop here (onnxruntime refuses them); everything else as onnxruntime checks it
        problem = conv_attr_problem(nd, kernel, self.a.kernel_shape, self.a.strides, self.a.dilations, self.a.pads,
                                    int(self.a.group), self.a.auto_pad, pads_may_be_negative=True)
        if problem is not None:
            raise Fail(f"Conv node '{self.node_name}': {problem}")
        strides = spatial_list(self.a.strides, nd, 1)
        dilations = spatial_list(self.a.dilations, nd, 1)
        begin, end = conv_pads(self.a.auto_pad, self.a.pads, x.shape[2:], kernel, strides, dilations)
        y = conv_nd(x, w, strides, dilations, begin, end, int(self.a.group))
        if b is not None:
            y += b.astype(y.dtype, copy=False).reshape((1, -1) + (1,) * nd)
        return y.astype(x.dtype, copy=False)
