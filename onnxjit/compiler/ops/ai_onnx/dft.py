"""DFT: discrete Fourier transform along one axis of a real or complex ([..., 2]) signal."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._spectral import dft
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def _scalar(v: np.ndarray | None) -> int | None:
    return None if v is None or np.asarray(v).size == 0 else int(np.asarray(v).reshape(-1)[0])


@register("DFT", since=17)
class DFT17(OpDef):
    """Axis is an attribute (default 1)."""

    fusion = Fusion.OPAQUE
    attrs = {"axis": 1, "inverse": 0, "onesided": 0}

    def reference(self, x: np.ndarray, dft_length: np.ndarray | None = None) -> np.ndarray:
        return dft(x, _scalar(dft_length), self.a.axis, bool(self.a.inverse), bool(self.a.onesided))


@register("DFT", since=20)
class DFT20(OpDef):
    """Axis is an optional input (default -2)."""

    fusion = Fusion.OPAQUE
    attrs = {"inverse": 0, "onesided": 0}

    def reference(self, x: np.ndarray, dft_length: np.ndarray | None = None,
                  axis: np.ndarray | None = None) -> np.ndarray:
        ax = _scalar(axis)
        return dft(x, _scalar(dft_length), -2 if ax is None else ax, bool(self.a.inverse), bool(self.a.onesided))
