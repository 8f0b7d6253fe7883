"""GlobalMaxPool: max over all spatial axes, kept as size 1."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def spatial_axes(x: np.ndarray) -> tuple[int, ...]:
    return tuple(range(2, x.ndim))


@register("GlobalMaxPool", since=1)
class GlobalMaxPool(OpDef):
    fusion = Fusion.TEMPLATE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.max(x, axis=spatial_axes(x), keepdims=True)
