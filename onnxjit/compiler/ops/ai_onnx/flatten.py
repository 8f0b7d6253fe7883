"""Flatten: reshape to 2-D, splitting the dims at `axis`."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Flatten", since=1)
class Flatten(OpDef):
    fusion = Fusion.INDEX
    attrs = {"axis": 1}

    def reference(self, x: np.ndarray) -> np.ndarray:
        axis = self.a.axis % x.ndim if self.a.axis < 0 else self.a.axis
        outer = int(np.prod(x.shape[:axis], dtype=np.int64))
        inner = int(np.prod(x.shape[axis:], dtype=np.int64))
        return x.reshape(outer, inner)
