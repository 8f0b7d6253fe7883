"""EyeLike: a 2-D tensor shaped like the input with ones on the k-th diagonal."""
import numpy as np

from onnxjit.compiler.dtypes import to_numpy_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("EyeLike", since=9)
class EyeLike(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"dtype": None, "k": 0}

    def reference(self, x: np.ndarray) -> np.ndarray:
        dtype = x.dtype if self.a.dtype is None else to_numpy_dtype(self.a.dtype)
        return np.eye(x.shape[0], x.shape[1], k=self.a.k).astype(dtype)
