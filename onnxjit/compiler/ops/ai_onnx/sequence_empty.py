"""SequenceEmpty: an empty tensor sequence."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("SequenceEmpty", since=11)
class SequenceEmpty(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"dtype": 1}
    returns_list = False

    def reference(self) -> list[np.ndarray]:
        return []
