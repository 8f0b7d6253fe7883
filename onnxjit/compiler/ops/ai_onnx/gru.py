"""GRU: gated recurrent unit layer (update z, reset r, hidden h gates; optional linear_before_reset)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx import _recurrent as rec
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("GRU", since=1)
class GRU(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"activation_alpha": None, "activation_beta": None, "activations": None, "clip": None,
             "direction": "forward", "hidden_size": None, "layout": 0, "linear_before_reset": 0}

    def reference(self, x: np.ndarray, w: np.ndarray, r: np.ndarray, b: np.ndarray | None = None,
                  seq_lens: np.ndarray | None = None, h0: np.ndarray | None = None) -> tuple:
        layout = int(self.a.layout)
        x, (h0,) = rec.to_seq_major(x, [h0], layout)
        dirs, hidden = w.shape[0], r.shape[-1]
        if b is None:
            b = np.zeros((dirs, 6 * hidden), dtype=x.dtype)
        if h0 is None:
            h0 = np.zeros((dirs, x.shape[1], hidden), dtype=x.dtype)
        acts = rec.activations(self.a.activations, ["Sigmoid", "Tanh"], dirs,
                               self.a.activation_alpha, self.a.activation_beta)
        clip = rec.clipper(self.a.clip)
        lbr = bool(self.a.linear_before_reset)
        H = hidden

        def cell(xt: np.ndarray, states: list[np.ndarray], d: int) -> list[np.ndarray]:
            f, g = acts[d]
            h_prev = states[0]
            wb, rb = b[d, :3 * H], b[d, 3 * H:]
            xw = xt @ w[d].T + wb                   # [batch, 3H] in z, r, h order
            hr = h_prev @ r[d, :2 * H].T + rb[:2 * H]
            z = f(clip(xw[:, :H] + hr[:, :H]))
            rg = f(clip(xw[:, H:2 * H] + hr[:, H:]))
            rh = r[d, 2 * H:].T
            if lbr:
                hh = g(clip(xw[:, 2 * H:] + rg * (h_prev @ rh + rb[2 * H:])))
            else:
                hh = g(clip(xw[:, 2 * H:] + (rg * h_prev) @ rh + rb[2 * H:]))
            return [((1 - z) * hh + z * h_prev).astype(x.dtype, copy=False)]

        y, finals = rec.run_directions(x, [h0], seq_lens, self.a.direction, cell)
        return tuple(rec.from_seq_major(y, finals, layout))
