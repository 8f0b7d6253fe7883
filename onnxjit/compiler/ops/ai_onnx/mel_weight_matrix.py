"""MelWeightMatrix: triangular filters mapping linear-frequency DFT bins to mel bins."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._quant import onnx_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def _item(v: np.ndarray) -> float:
    return np.asarray(v).reshape(-1)[0].item()


@register("MelWeightMatrix", since=17)
class MelWeightMatrix(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"output_datatype": 1}

    def reference(self, num_mel_bins, dft_length, sample_rate, lower_edge_hertz, upper_edge_hertz) -> np.ndarray:
        n_mel, n_dft, rate = int(_item(num_mel_bins)), int(_item(dft_length)), _item(sample_rate)
        low, high = float(_item(lower_edge_hertz)), float(_item(upper_edge_hertz))
        n_spec = n_dft // 2 + 1
        low_mel = 2595.0 * np.log10(1.0 + low / 700.0)
        high_mel = 2595.0 * np.log10(1.0 + high / 700.0)
        step = (high_mel - low_mel) / (n_mel + 2)  # as onnxruntime and the ONNX reference do
        mels = np.arange(n_mel + 2) * step + low_mel
        hz = 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
        bins = ((n_dft + 1) * hz // rate).astype(np.int64)
        out = np.zeros((n_spec, n_mel), dtype=np.float64)
        for i in range(n_mel):
            left, center, right = bins[i], bins[i + 1], bins[i + 2]
            if center == left:
                out[center, i] = 1.0
            else:
                j = np.arange(left, center + 1)
                out[j, i] = (j - left) / (center - left)
            if right > center:
                j = np.arange(center, right)
                out[j, i] = (right - j) / (right - center)
        return out.astype(onnx_dtype(self.a.output_datatype))
