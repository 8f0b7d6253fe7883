"""GlobalLpPool: p-norm over all spatial axes, kept as size 1."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._pool_common import work_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def spatial_axes(x: np.ndarray) -> tuple[int, ...]:
    return tuple(range(2, x.ndim))


@register("GlobalLpPool", since=1)
class GlobalLpPool(OpDef):
    fusion = Fusion.TEMPLATE
    attrs = {"p": 2}

    def reference(self, x: np.ndarray) -> np.ndarray:
        p = float(self.a.p)
        xw = np.abs(x.astype(work_dtype(x.dtype)))
        total = np.sum(xw ** xw.dtype.type(p), axis=spatial_axes(x), keepdims=True)
        return (total ** total.dtype.type(1.0 / p)).astype(x.dtype)
