"""GlobalAveragePool: mean over all spatial axes, kept as size 1."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._pool_common import work_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def spatial_axes(x: np.ndarray) -> tuple[int, ...]:
    return tuple(range(2, x.ndim))


@register("GlobalAveragePool", since=1)
class GlobalAveragePool(OpDef):
    fusion = Fusion.TEMPLATE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.mean(x, axis=spatial_axes(x), keepdims=True, dtype=work_dtype(x.dtype)).astype(x.dtype)
