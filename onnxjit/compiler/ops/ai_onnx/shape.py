"""Shape: the input's shape as a 1-D int64 tensor, optionally sliced by start/end."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Shape", since=1)
class Shape(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"start": 0, "end": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.array(x.shape[slice(self.a.start, self.a.end)], dtype=np.int64)
