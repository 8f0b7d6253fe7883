"""SpaceToDepth: move spatial blocks into channels (DCR or, from opset 28, CRD ordering)."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("SpaceToDepth", since=1)
class SpaceToDepth(OpDef):
    fusion = Fusion.INDEX
    attrs = {"blocksize": 1, "mode": "DCR"}

    def reference(self, x: np.ndarray) -> np.ndarray:
        b = self.a.blocksize
        n, c, h, w = x.shape
        y = x.reshape(n, c, h // b, b, w // b, b)
        perm = (0, 3, 5, 1, 2, 4) if self.a.mode == "DCR" else (0, 1, 3, 5, 2, 4)
        return y.transpose(perm).reshape(n, c * b * b, h // b, w // b)
