"""ConcatFromSequence: concatenate (or, with new_axis=1, stack) the tensors of a sequence along an axis."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("ConcatFromSequence", since=11)
class ConcatFromSequence(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": REQUIRED, "new_axis": 0}

    def reference(self, seq: list[np.ndarray]) -> np.ndarray:
        if not seq:
            raise ValueError("ConcatFromSequence needs a non-empty sequence")
        if self.a.new_axis:
            return np.stack(seq, axis=int(self.a.axis))
        return np.concatenate(seq, axis=int(self.a.axis))
