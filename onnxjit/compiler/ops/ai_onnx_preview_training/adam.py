"""Adam: one ADAM update of several tensors (X, G, V, H groups) with bias-corrected learning rate."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register

DOMAIN = "ai.onnx.preview.training"


@register("Adam", since=1, domain=DOMAIN)
class Adam(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"alpha": 0.9, "beta": 0.999, "epsilon": 0.0, "norm_coefficient": 0.0,
             "norm_coefficient_post": 0.0}

    def reference(self, r: np.ndarray, t: np.ndarray, *groups: np.ndarray) -> tuple:
        n = len(groups) // 4
        xs, gs, vs, hs = (groups[k * n:(k + 1) * n] for k in range(4))
        a, bt = self.a.alpha, self.a.beta
        step = float(t)
        rate = float(r) * np.sqrt(1 - bt ** step) / (1 - a ** step) if step > 0 else float(r)
        out_x, out_v, out_h = [], [], []
        for x, g, v, h in zip(xs, gs, vs, hs):
            g_reg = self.a.norm_coefficient * x.astype(np.float64) + g
            v_new = a * v + (1 - a) * g_reg
            h_new = bt * h + (1 - bt) * g_reg * g_reg
            x_new = x - rate * v_new / (np.sqrt(h_new) + self.a.epsilon)
            out_x.append(((1 - self.a.norm_coefficient_post) * x_new).astype(x.dtype))
            out_v.append(v_new.astype(v.dtype))
            out_h.append(h_new.astype(h.dtype))
        return tuple(out_x + out_v + out_h)
