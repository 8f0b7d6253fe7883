"""SequenceInsert: a copy of the sequence with a tensor inserted at a position (default: the end)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("SequenceInsert", since=11)
class SequenceInsert(OpDef):
    fusion = Fusion.OPAQUE
    returns_list = False

    def reference(self, seq: list[np.ndarray], tensor: np.ndarray,
                  position: np.ndarray | None = None) -> list[np.ndarray]:
        out = list(seq)
        n = len(out)
        pos = n if position is None else int(np.asarray(position).reshape(-1)[0])
        if pos < 0:
            pos += n
        if not 0 <= pos <= n:
            raise IndexError(f"SequenceInsert position {pos} out of range for a sequence of length {n}")
        out.insert(pos, tensor)
        return out
