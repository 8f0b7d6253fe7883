"""Size: the input's element count as an int64 scalar."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Size", since=1)
class Size(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, x: np.ndarray) -> np.ndarray:
        return np.array(x.size, dtype=np.int64)
