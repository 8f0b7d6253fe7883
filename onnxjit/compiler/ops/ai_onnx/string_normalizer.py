"""StringNormalizer: drop stop words and change case of a [C] or [1, C] string tensor."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("StringNormalizer", since=10)
class StringNormalizer(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"case_change_action": "NONE", "is_case_sensitive": 0, "locale": "", "stopwords": None}

    def _change_case(self, s: str) -> str:
        action = self.a.case_change_action
        if action == "LOWER":
            return s.lower()
        if action == "UPPER":
            return s.upper()
        if action != "NONE":
            raise ValueError(f"unknown case_change_action {action!r}")
        return s

    def reference(self, x: np.ndarray) -> np.ndarray:
        if x.ndim not in (1, 2) or (x.ndim == 2 and x.shape[0] != 1):
            raise ValueError(f"StringNormalizer input must have shape [C] or [1, C], got {list(x.shape)}")
        sensitive = bool(self.a.is_case_sensitive)
        stops = set(self.a.stopwords or [])
        if not sensitive:
            stops = {w.lower() for w in stops}
        kept = [self._change_case(str(s)) for s in x.reshape(-1)
                if (str(s) if sensitive else str(s).lower()) not in stops]
        if not kept:
            kept = [""]
        out = np.array(kept, dtype=object)
        return out.reshape(1, -1) if x.ndim == 2 else out
