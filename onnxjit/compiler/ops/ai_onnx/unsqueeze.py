"""Unsqueeze: insert size-1 dims at the given axes of the output."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def _unsqueeze(x: np.ndarray, axes: list[int]) -> np.ndarray:
    rank = x.ndim + len(axes)
    positions = {int(a) % rank for a in axes}
    dims = iter(x.shape)
    return x.reshape([1 if i in positions else next(dims) for i in range(rank)])


@register("Unsqueeze", since=1)
class Unsqueeze1(OpDef):
    fusion = Fusion.INDEX
    attrs = {"axes": []}

    def reference(self, x: np.ndarray) -> np.ndarray:
        return _unsqueeze(x, self.a.axes)


@register("Unsqueeze", since=13)
class Unsqueeze(OpDef):
    fusion = Fusion.INDEX

    def reference(self, x: np.ndarray, axes: np.ndarray) -> np.ndarray:
        return _unsqueeze(x, list(axes.reshape(-1)))
