"""SequenceAt: the tensor at a (possibly negative) position of a sequence."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("SequenceAt", since=11)
class SequenceAt(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, seq: list[np.ndarray], position: np.ndarray) -> np.ndarray:
        pos = int(np.asarray(position).reshape(-1)[0])
        if not -len(seq) <= pos < len(seq):
            raise IndexError(f"SequenceAt position {pos} out of range for a sequence of length {len(seq)}")
        return seq[pos]
