"""Tile: repeat a tensor `repeats[i]` times along each axis i."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Tile", since=6)
class Tile(OpDef):
    fusion = Fusion.INDEX

    def reference(self, x: np.ndarray, repeats: np.ndarray) -> np.ndarray:
        return np.tile(x, [int(r) for r in repeats.reshape(-1)])


@register("Tile", since=1)
class Tile1(OpDef):
    """Opset 1: repeat `tiles` times along the single axis given by the `axis` input."""

    fusion = Fusion.INDEX

    def reference(self, x: np.ndarray, tiles: np.ndarray, axis: np.ndarray) -> np.ndarray:
        repeats = [1] * x.ndim
        repeats[int(axis.reshape(-1)[0]) % x.ndim] = int(tiles.reshape(-1)[0])
        return np.tile(x, repeats)
