"""OneHotEncoder: one float32 indicator column per category, appended as a last axis."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("OneHotEncoder", since=1, domain="ai.onnx.ml")
class OneHotEncoder(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"cats_int64s": None, "cats_strings": None, "zeros": 1}

    def reference(self, x: np.ndarray) -> np.ndarray:
        cats = list(self.a.cats_strings) if self.a.cats_strings else [int(c) for c in self.a.cats_int64s]
        index = {c: k for k, c in enumerate(cats)}
        flat = [str(v) if x.dtype == object else int(v) for v in x.reshape(-1).tolist()]
        out = np.zeros((len(flat), len(cats)), dtype=np.float32)
        for row, v in enumerate(flat):
            k = index.get(v)
            if k is None:
                if not self.a.zeros:
                    raise ValueError(f"OneHotEncoder: unknown category {v!r} and zeros=0")
                continue
            out[row, k] = 1.0
        return out.reshape(*x.shape, len(cats))
