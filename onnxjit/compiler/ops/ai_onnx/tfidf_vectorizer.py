"""TfIdfVectorizer: count the pool's n-grams (with skips) in each row and weight them (TF, IDF or TFIDF)."""
from __future__ import annotations

from typing import Any

import numpy as np

from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("TfIdfVectorizer", since=9)
class TfIdfVectorizer(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"max_gram_length": REQUIRED, "max_skip_count": REQUIRED, "min_gram_length": REQUIRED,
             "mode": REQUIRED, "ngram_counts": REQUIRED, "ngram_indexes": REQUIRED,
             "pool_int64s": None, "pool_strings": None, "weights": None}

    def _pool(self) -> dict[tuple[Any, ...], int]:
        """n-gram (tuple of tokens) → output column, for sizes in [min_gram_length, max_gram_length]."""
        pool = list(self.a.pool_int64s if self.a.pool_int64s is not None else self.a.pool_strings)
        starts = list(self.a.ngram_counts) + [len(pool)]
        grams: dict[tuple[Any, ...], int] = {}
        ngram_id = 0
        for size, (lo, hi) in enumerate(zip(starts[:-1], starts[1:]), start=1):
            for k in range(lo, hi, size):
                if self.a.min_gram_length <= size <= self.a.max_gram_length:
                    grams[tuple(pool[k:k + size])] = int(self.a.ngram_indexes[ngram_id])
                ngram_id += 1
        return grams

    def reference(self, x: np.ndarray) -> np.ndarray:
        grams = self._pool()
        width = int(max(self.a.ngram_indexes)) + 1
        rows = x.reshape(1, -1) if x.ndim < 2 else x
        counts = np.zeros((rows.shape[0], width), dtype=np.float32)
        lo, hi = self.a.min_gram_length, self.a.max_gram_length
        for r, row in enumerate(rows):
            toks = [t if isinstance(t, str) else int(t) for t in row.tolist()]
            for size in range(lo, hi + 1):
                # unigrams are counted once: skips do not change them
                skips = range(1) if size == 1 else range(self.a.max_skip_count + 1)
                for skip in skips:
                    step = skip + 1
                    for start in range(len(toks) - (size - 1) * step):
                        col = grams.get(tuple(toks[start:start + (size - 1) * step + 1:step]))
                        if col is not None:
                            counts[r, col] += 1
        weights = np.asarray(self.a.weights, dtype=np.float32) if self.a.weights is not None else None
        if self.a.mode == "TF":
            out = counts
        elif self.a.mode == "IDF":
            out = (counts > 0).astype(np.float32) * (weights if weights is not None else np.float32(1))
        elif self.a.mode == "TFIDF":
            out = counts * weights if weights is not None else counts
        else:
            raise ValueError(f"unknown TfIdfVectorizer mode {self.a.mode!r}")
        return out.astype(np.float32).reshape(width) if x.ndim < 2 else out.astype(np.float32)
