"""ArrayFeatureExtractor: select columns (last-axis entries) of the input by index."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("ArrayFeatureExtractor", since=1, domain="ai.onnx.ml")
class ArrayFeatureExtractor(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, x: np.ndarray, indices: np.ndarray) -> np.ndarray:
        index = np.asarray(indices, dtype=np.int64).reshape(-1)
        if np.any(index < 0) or np.any(index >= x.shape[-1]):
            raise IndexError(f"ArrayFeatureExtractor index out of range [0, {x.shape[-1]})")
        out = np.take(x, index, axis=-1)
        return out.reshape(1, -1) if x.ndim == 1 else out
