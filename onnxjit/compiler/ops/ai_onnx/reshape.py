"""Reshape: give a tensor a new shape (0 copies a dim unless allowzero, -1 is inferred)."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def _target_shape(x: np.ndarray, shape: list[int], allowzero: int) -> list[int]:
    """Resolve ONNX reshape codes: 0 means 'copy the input dim' (unless allowzero), -1 means 'infer'."""
    out = [int(d) for d in shape]
    if not allowzero:
        out = [x.shape[i] if d == 0 else d for i, d in enumerate(out)]
    if -1 in out:
        known = int(np.prod([d for d in out if d != -1], dtype=np.int64))
        out[out.index(-1)] = x.size // known if known else 0
    return out


@register("Reshape", since=1)
class Reshape1(OpDef):
    fusion = Fusion.INDEX
    attrs = {"shape": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(_target_shape(x, self.a.shape or [], 0))


@register("Reshape", since=5)
class Reshape(OpDef):
    fusion = Fusion.INDEX
    attrs = {"allowzero": 0}

    def reference(self, x: np.ndarray, shape: np.ndarray) -> np.ndarray:
        return x.reshape(_target_shape(x, list(shape.reshape(-1)), self.a.allowzero))
