"""AveragePool: mean over sliding windows (count_include_pad, ceil_mode, auto_pad, dilations)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._pool_common import check_pool_attributes, pool_window, sum_pool, window_counts
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("AveragePool", since=1)
class AveragePool(OpDef):
    fusion = Fusion.TEMPLATE
    attrs = {"auto_pad": "NOTSET", "ceil_mode": 0, "count_include_pad": 0, "dilations": None,
             "kernel_shape": REQUIRED, "pads": None, "strides": None}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        check_pool_attributes(self)  # at load, as onnxruntime does

    def reference(self, x: np.ndarray) -> np.ndarray:
        win = pool_window(self.a, x.shape[2:])
        total = sum_pool(x, win)
        counts = window_counts(win, bool(self.a.count_include_pad))
        return (total / np.maximum(counts, 1).astype(total.dtype)).astype(x.dtype, copy=False)
