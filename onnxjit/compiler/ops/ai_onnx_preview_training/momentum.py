"""Momentum: one SGD-with-momentum update (standard or Nesterov) of several tensors (X, G, V groups)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register

DOMAIN = "ai.onnx.preview.training"


@register("Momentum", since=1, domain=DOMAIN)
class Momentum(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"alpha": REQUIRED, "beta": REQUIRED, "mode": REQUIRED, "norm_coefficient": REQUIRED}

    def reference(self, r: np.ndarray, t: np.ndarray, *groups: np.ndarray) -> tuple:
        n = len(groups) // 3
        xs, gs, vs = groups[:n], groups[n:2 * n], groups[2 * n:]
        a = self.a.alpha
        b = self.a.beta if float(t) > 0 else 1.0  # the gradient's weight is 1 on the first step
        rate = float(r)
        nesterov = self.a.mode == "nesterov"
        out_x, out_v = [], []
        for x, g, v in zip(xs, gs, vs):
            g_reg = self.a.norm_coefficient * x.astype(np.float64) + g
            v_new = a * v + b * g_reg
            x_new = x - rate * (g_reg + a * v_new if nesterov else v_new)
            out_x.append(x_new.astype(x.dtype))
            out_v.append(v_new.astype(v.dtype))
        return tuple(out_x + out_v)
