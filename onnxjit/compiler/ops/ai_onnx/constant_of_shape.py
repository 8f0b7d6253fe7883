"""ConstantOfShape: a tensor of the given shape filled with one value (default float32 zero)."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("ConstantOfShape", since=9)
class ConstantOfShape(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"value": None}

    def reference(self, shape: np.ndarray) -> np.ndarray:
        value = np.zeros(1, dtype=np.float32) if self.a.value is None else np.asarray(self.a.value).reshape(-1)
        return np.full([int(d) for d in shape.reshape(-1)], value[0], dtype=value.dtype)
