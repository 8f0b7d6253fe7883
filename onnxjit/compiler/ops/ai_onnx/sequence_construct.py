"""SequenceConstruct: a sequence holding the given tensors in order."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("SequenceConstruct", since=11)
class SequenceConstruct(OpDef):
    fusion = Fusion.OPAQUE
    returns_list = False

    def reference(self, *tensors: np.ndarray) -> list[np.ndarray]:
        return list(tensors)
