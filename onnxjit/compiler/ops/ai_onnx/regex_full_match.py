"""RegexFullMatch: whether each string fully matches a regular expression (python `re`, close to RE2)."""
from __future__ import annotations

import re

import numpy as np

from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("RegexFullMatch", since=20)
class RegexFullMatch(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"pattern": REQUIRED}

    def reference(self, x: np.ndarray) -> np.ndarray:
        regex = re.compile(self.a.pattern)
        flat = [regex.fullmatch(str(s)) is not None for s in np.asarray(x, dtype=object).reshape(-1)]
        return np.array(flat, dtype=bool).reshape(x.shape)
