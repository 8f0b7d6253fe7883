"""SequenceLength: the number of tensors in a sequence, as an int64 scalar."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("SequenceLength", since=11)
class SequenceLength(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, seq: list[np.ndarray]) -> np.ndarray:
        return np.array(len(seq), dtype=np.int64)
