"""LinearRegressor: X @ coefficients^T + intercepts, then an optional post-transform."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx_ml._post import post_transform
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("LinearRegressor", since=1, domain="ai.onnx.ml")
class LinearRegressor(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"coefficients": None, "intercepts": None, "post_transform": "NONE", "targets": 1}

    def reference(self, x: np.ndarray) -> np.ndarray:
        x2 = x.reshape(1, -1) if x.ndim == 1 else x
        coef = np.asarray(self.a.coefficients, dtype=np.float32).reshape(int(self.a.targets), -1)
        y = x2.astype(np.float32) @ coef.T
        if self.a.intercepts:
            y = y + np.asarray(self.a.intercepts, dtype=np.float32)
        return post_transform(y, self.a.post_transform).astype(np.float32)
