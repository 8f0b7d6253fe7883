"""Unique: distinct elements (or slices along `axis`), first-occurrence indices, inverse indices and counts."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Unique", since=11)
class Unique(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axis": None, "sorted": 1}

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        axis = None if self.a.axis is None else self.a.axis % x.ndim
        values, first, inverse, counts = np.unique(
            x, return_index=True, return_inverse=True, return_counts=True, axis=axis)
        inverse = inverse.reshape(-1)
        if not self.a.sorted:
            order = np.argsort(first, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(order.size)
            values = np.take(values, order, axis=0 if axis is None else axis)
            first, counts, inverse = first[order], counts[order], rank[inverse]
        return values, first.astype(np.int64), inverse.astype(np.int64), counts.astype(np.int64)
