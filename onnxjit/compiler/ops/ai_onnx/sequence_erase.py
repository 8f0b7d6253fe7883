"""SequenceErase: a copy of the sequence without the tensor at a position (default: the last)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("SequenceErase", since=11)
class SequenceErase(OpDef):
    fusion = Fusion.OPAQUE
    returns_list = False

    def reference(self, seq: list[np.ndarray], position: np.ndarray | None = None) -> list[np.ndarray]:
        pos = -1 if position is None else int(np.asarray(position).reshape(-1)[0])
        if not -len(seq) <= pos < len(seq):
            raise IndexError(f"SequenceErase position {pos} out of range for a sequence of length {len(seq)}")
        out = list(seq)
        del out[pos]
        return out
