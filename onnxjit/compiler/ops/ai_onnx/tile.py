"""Tile: repeat a tensor `repeats[i]` times along each axis i."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Tile", since=6)
class Tile(OpDef):
    fusion = Fusion.INDEX

    def reference(self, x: np.ndarray, repeats: np.ndarray) -> np.ndarray:
        return np.tile(x, [int(r) for r in repeats.reshape(-1)])
