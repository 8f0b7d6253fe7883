"""Concat: join tensors along an axis."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Concat", since=1)
class Concat(OpDef):
    fusion = Fusion.INDEX
    attrs = {"axis": 1}

    def reference(self, *xs: np.ndarray) -> np.ndarray:
        arrays = [x for x in xs if x is not None]
        return np.concatenate(arrays, axis=self.a.axis % arrays[0].ndim)
