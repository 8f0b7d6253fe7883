"""LayerNormalization: normalise over dims [axis, rank), then scale and shift; also Mean and InvStdDev."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._norm_common import stash_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register
from onnxjit.errors import Fail


@register("LayerNormalization", since=17)
class LayerNormalization(OpDef):
    fusion = Fusion.REDUCTION
    attrs = {"axis": -1, "epsilon": 1e-5, "stash_type": 1}

    def reference(self, x: np.ndarray, scale: np.ndarray, bias: np.ndarray | None = None):
        axis = self.a.axis + x.ndim if self.a.axis < 0 else self.a.axis
        axes = tuple(range(axis, x.ndim))
        for name, p in (("Scale", scale), ("B", bias)):
            if p is not None and not _broadcasts_to(p.shape, x.shape):
                raise Fail(f"LayerNormalization: {name} of shape {p.shape} does not broadcast to X's {x.shape}")
        xs = x.astype(stash_dtype(x.dtype, self.a.stash_type))
        mean = np.mean(xs, axis=axes, keepdims=True)
        diff = xs - mean
        var = np.mean(diff * diff, axis=axes, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + xs.dtype.type(self.a.epsilon))
        y = diff * inv_std * scale
        if bias is not None:
            y = y + bias
        return y.astype(x.dtype), mean.astype(x.dtype), inv_std.astype(x.dtype)


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Unidirectional broadcasting: `shape` stretches to `target` without changing it."""
    return len(shape) <= len(target) and all(s in (1, t) for s, t in zip(shape[::-1], target[::-1]))
