"""StringSplit: split each string on a delimiter (or whitespace runs), padding with "" to the longest."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("StringSplit", since=20)
class StringSplit(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"delimiter": "", "maxsplit": None}

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        delim = self.a.delimiter or None  # empty/missing: split on runs of whitespace
        maxsplit = -1 if self.a.maxsplit is None else int(self.a.maxsplit)
        parts = [str(s).split(delim, maxsplit) for s in np.asarray(x, dtype=object).reshape(-1)]
        counts = np.array([len(p) for p in parts], dtype=np.int64).reshape(x.shape)
        width = max((len(p) for p in parts), default=0)
        out = np.full((len(parts), width), "", dtype=object)
        for i, p in enumerate(parts):
            out[i, : len(p)] = p
        return out.reshape(*x.shape, width), counts
