"""LpPool: p-norm over sliding windows."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._pool_common import check_pool_attributes, pool_window, sum_pool
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("LpPool", since=1)
class LpPool(OpDef):
    fusion = Fusion.TEMPLATE
    attrs = {"auto_pad": "NOTSET", "ceil_mode": 0, "dilations": None, "kernel_shape": REQUIRED, "p": 2,
             "pads": None, "strides": None}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        check_pool_attributes(self)  # at load, as onnxruntime does

    def reference(self, x: np.ndarray) -> np.ndarray:
        p = float(self.a.p)
        win = pool_window(self.a, x.shape[2:])
        total = sum_pool(x, win, power=p)
        return (total ** total.dtype.type(1.0 / p)).astype(x.dtype, copy=False)
