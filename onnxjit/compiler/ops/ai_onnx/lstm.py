"""LSTM: long short-term memory layer (gates i, o, f, c; optional peepholes and coupled input-forget)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx import _recurrent as rec
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("LSTM", since=1)
class LSTM(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"activation_alpha": None, "activation_beta": None, "activations": None, "clip": None,
             "direction": "forward", "hidden_size": None, "input_forget": 0, "layout": 0}

    def reference(self, x: np.ndarray, w: np.ndarray, r: np.ndarray, b: np.ndarray | None = None,
                  seq_lens: np.ndarray | None = None, h0: np.ndarray | None = None,
                  c0: np.ndarray | None = None, p: np.ndarray | None = None) -> tuple:
        layout = int(self.a.layout)
        x, (h0, c0) = rec.to_seq_major(x, [h0, c0], layout)
        dirs, H = w.shape[0], r.shape[-1]
        batch = x.shape[1]
        if b is None:
            b = np.zeros((dirs, 8 * H), dtype=x.dtype)
        if p is None:
            p = np.zeros((dirs, 3 * H), dtype=x.dtype)
        if h0 is None:
            h0 = np.zeros((dirs, batch, H), dtype=x.dtype)
        if c0 is None:
            c0 = np.zeros((dirs, batch, H), dtype=x.dtype)
        acts = rec.activations(self.a.activations, ["Sigmoid", "Tanh", "Tanh"], dirs,
                               self.a.activation_alpha, self.a.activation_beta)
        clip = rec.clipper(self.a.clip)
        coupled = bool(self.a.input_forget)
        wt = [w[d].T for d in range(dirs)]
        rt = [r[d].T for d in range(dirs)]
        bias = [b[d, :4 * H] + b[d, 4 * H:] for d in range(dirs)]

        def cell(xt: np.ndarray, states: list[np.ndarray], d: int) -> list[np.ndarray]:
            f, g, h = acts[d]
            h_prev, c_prev = states
            gates = xt @ wt[d] + h_prev @ rt[d] + bias[d]
            gi, go, gf, gc = (gates[:, k * H:(k + 1) * H] for k in range(4))
            pi, po, pf = p[d, :H], p[d, H:2 * H], p[d, 2 * H:]
            i = f(clip(gi + pi * c_prev))
            fg = (1 - i) if coupled else f(clip(gf + pf * c_prev))
            c = (fg * c_prev + i * g(clip(gc))).astype(x.dtype, copy=False)
            o = f(clip(go + po * c))
            return [(o * h(c)).astype(x.dtype, copy=False), c]

        y, finals = rec.run_directions(x, [h0, c0], seq_lens, self.a.direction, cell)
        return tuple(rec.from_seq_major(y, finals, layout))
