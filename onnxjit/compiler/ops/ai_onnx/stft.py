"""STFT: short-time Fourier transform of [batch, length, 1|2] signals into [batch, frames, bins, 2]."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._spectral import from_complex, to_complex
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("STFT", since=17)
class STFT(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"onesided": 1}

    def reference(self, signal: np.ndarray, frame_step: np.ndarray, window: np.ndarray | None = None,
                  frame_length: np.ndarray | None = None) -> np.ndarray:
        step = int(np.asarray(frame_step).reshape(-1)[0])
        if frame_length is not None and np.asarray(frame_length).size:
            n = int(np.asarray(frame_length).reshape(-1)[0])
        elif window is not None:
            n = window.shape[0]
        else:
            n = signal.shape[-2]
        z = to_complex(signal)  # [batch, length]
        frames = 1 + (z.shape[1] - n) // step
        idx = np.arange(frames)[:, None] * step + np.arange(n)[None, :]
        framed = z[:, idx]  # [batch, frames, n]
        if window is not None:
            framed = framed * window.astype(framed.real.dtype)
        spec = np.fft.fft(framed, n=n, axis=-1)
        if self.a.onesided:
            spec = spec[..., : n // 2 + 1]
        return from_complex(spec, signal.dtype)
