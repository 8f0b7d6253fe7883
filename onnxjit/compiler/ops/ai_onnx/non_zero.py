"""NonZero: indices of the non-zero elements, one column per element ([rank, count], int64)."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("NonZero", since=9)
class NonZero(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, x: np.ndarray) -> np.ndarray:
        if x.ndim == 0:
            return np.zeros((0, int(bool(x))), dtype=np.int64)
        return np.array(np.nonzero(x), dtype=np.int64).reshape(x.ndim, -1)
