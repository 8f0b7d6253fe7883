"""Pad: pad (or, with negative pads, crop) a tensor; modes constant, reflect, edge, wrap."""
from typing import Any, Optional

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def pad(x: np.ndarray, pads: list[int], mode: str, value: Any, axes: Optional[list[int]] = None) -> np.ndarray:
    """Pad `x` by ONNX-ordered `pads` ([begin per axis..., end per axis...]) over `axes` (default all)."""
    axes = list(range(x.ndim)) if axes is None else [int(a) % x.ndim for a in axes]
    n = len(axes)
    widths = [(0, 0)] * x.ndim
    for i, axis in enumerate(axes):
        widths[axis] = (int(pads[i]), int(pads[n + i]))
    crop = tuple(slice(max(-b, 0), x.shape[ax] - max(-e, 0)) for ax, (b, e) in enumerate(widths))
    x = x[crop]
    widths = [(max(b, 0), max(e, 0)) for b, e in widths]
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=np.asarray(value, dtype=x.dtype) if value is not None else 0)
    return np.pad(x, widths, mode=mode)


@register("Pad", since=2)
class Pad2(OpDef):
    fusion = Fusion.INDEX
    attrs = {"pads": None, "paddings": None, "mode": "constant", "value": 0.0}

    def reference(self, x: np.ndarray) -> np.ndarray:
        pads = self.a.pads if self.a.pads is not None else self.a.paddings
        return pad(x, pads, self.a.mode, self.a.value)


@register("Pad", since=11)
class Pad(OpDef):
    """Opset 11+: pads and the constant value come as inputs; opset 18 adds `axes`, 19 the wrap mode."""

    fusion = Fusion.INDEX
    attrs = {"mode": "constant"}

    def reference(self, x: np.ndarray, pads: np.ndarray, value: Optional[np.ndarray] = None,
                  axes: Optional[np.ndarray] = None) -> np.ndarray:
        fill = value.reshape(-1)[0] if value is not None and value.size else None
        return pad(x, list(pads.reshape(-1)), self.a.mode, fill, None if axes is None else list(axes.reshape(-1)))
