"""Imputer: replace a sentinel value (or NaN) with per-column (or single) imputed values."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Imputer", since=1, domain="ai.onnx.ml")
class Imputer(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"imputed_value_floats": None, "imputed_value_int64s": None,
             "replaced_value_float": 0.0, "replaced_value_int64": 0}

    def reference(self, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind == "f":
            values = np.asarray(self.a.imputed_value_floats, dtype=x.dtype)
            target = self.a.replaced_value_float
            mask = np.isnan(x) if np.isnan(target) else x == x.dtype.type(target)
        else:
            values = np.asarray(self.a.imputed_value_int64s, dtype=x.dtype)
            mask = x == self.a.replaced_value_int64
        if values.size > 1:
            values = values.reshape((1,) * (x.ndim - 1) + (-1,))
        return np.where(mask, values.reshape(values.shape if values.size > 1 else ()), x).astype(x.dtype)
