"""Adagrad: one ADAGRAD update of several tensors (X, G, H groups) with a decaying learning rate."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register

DOMAIN = "ai.onnx.preview.training"


@register("Adagrad", since=1, domain=DOMAIN)
class Adagrad(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"decay_factor": 0.0, "epsilon": 0.0, "norm_coefficient": 0.0}

    def reference(self, r: np.ndarray, t: np.ndarray, *groups: np.ndarray) -> tuple:
        n = len(groups) // 3
        xs, gs, hs = groups[:n], groups[n:2 * n], groups[2 * n:]
        rate = float(r) / (1 + float(t) * self.a.decay_factor)
        new_x, new_h = [], []
        for x, g, h in zip(xs, gs, hs):
            g_reg = self.a.norm_coefficient * x.astype(np.float64) + g
            h_new = h + g_reg * g_reg
            x_new = x - rate * g_reg / (np.sqrt(h_new) + self.a.epsilon)
            new_x.append(x_new.astype(x.dtype))
            new_h.append(h_new.astype(h.dtype))
        return tuple(new_x + new_h)
