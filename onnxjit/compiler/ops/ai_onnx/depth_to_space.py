"""DepthToSpace: move channel blocks into spatial blocks (DCR or CRD ordering)."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("DepthToSpace", since=1)
class DepthToSpace(OpDef):
    fusion = Fusion.INDEX
    attrs = {"blocksize": 1, "mode": "DCR"}

    def reference(self, x: np.ndarray) -> np.ndarray:
        b = self.a.blocksize
        n, c, h, w = x.shape
        if self.a.mode == "DCR":
            y = x.reshape(n, b, b, c // (b * b), h, w).transpose(0, 3, 4, 1, 5, 2)
        else:
            y = x.reshape(n, c // (b * b), b, b, h, w).transpose(0, 1, 4, 2, 5, 3)
        return y.reshape(n, c // (b * b), h * b, w * b)
