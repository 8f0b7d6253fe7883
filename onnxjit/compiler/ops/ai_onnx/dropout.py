"""Dropout: identity at inference; in training mode zero elements with probability ratio and rescale."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def _dropout(op: OpDef, x: np.ndarray, ratio: float, training: bool) -> tuple[np.ndarray, np.ndarray]:
    if not training or ratio == 0:
        return x.copy(), np.ones(x.shape, dtype=bool)
    seed = getattr(op.a, "seed", None)
    rng = np.random.RandomState(seed)  # legacy generator: same draws as numpy's seeded global one
    mask = rng.uniform(0.0, 1.0, x.shape) >= ratio
    scale = x.dtype.type(1.0 / (1.0 - ratio))
    return np.asarray(mask * x * scale, dtype=x.dtype), mask


@register("Dropout", since=1)
class Dropout1(OpDef):
    """Opsets 1-11: ratio attribute; is_test (before opset 7) and inference are pass-through."""

    fusion = Fusion.OPAQUE
    attrs = {"ratio": 0.5}

    def reference(self, x: np.ndarray):
        y, mask = _dropout(self, x, self.a.ratio, training=False)
        if self.opset < 10:  # the mask had the input's type before opset 10
            mask = mask.astype(x.dtype)
        return (y, mask) if self.node is not None and len(self.node.outputs) > 1 else y


@register("Dropout", since=12)
class Dropout12(OpDef):
    """Opset 12+: ratio and training_mode are optional inputs; seed attribute."""

    fusion = Fusion.OPAQUE
    attrs = {"seed": None}

    def reference(self, x: np.ndarray, ratio: np.ndarray | None = None, training_mode: np.ndarray | None = None):
        r = float(ratio) if ratio is not None else 0.5
        training = bool(training_mode) if training_mode is not None else False
        y, mask = _dropout(self, x, r, training)
        return (y, mask) if self.node is not None and len(self.node.outputs) > 1 else y
