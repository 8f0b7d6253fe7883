"""RNN: simple recurrent layer, H_t = f(X_t W^T + H_{t-1} R^T + Wb + Rb)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx import _recurrent as rec
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("RNN", since=1)
class RNN(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"activation_alpha": None, "activation_beta": None, "activations": None, "clip": None,
             "direction": "forward", "hidden_size": None, "layout": 0}

    def reference(self, x: np.ndarray, w: np.ndarray, r: np.ndarray, b: np.ndarray | None = None,
                  seq_lens: np.ndarray | None = None, h0: np.ndarray | None = None) -> tuple:
        layout = int(self.a.layout)
        x, (h0,) = rec.to_seq_major(x, [h0], layout)
        dirs, hidden = w.shape[0], r.shape[-1]
        if b is None:
            b = np.zeros((dirs, 2 * hidden), dtype=x.dtype)
        if h0 is None:
            h0 = np.zeros((dirs, x.shape[1], hidden), dtype=x.dtype)
        acts = rec.activations(self.a.activations, ["Tanh"], dirs,
                               self.a.activation_alpha, self.a.activation_beta)
        clip = rec.clipper(self.a.clip)
        wt = [w[d].T for d in range(dirs)]
        rt = [r[d].T for d in range(dirs)]
        bias = [b[d, :hidden] + b[d, hidden:] for d in range(dirs)]

        def cell(xt: np.ndarray, states: list[np.ndarray], d: int) -> list[np.ndarray]:
            return [acts[d][0](clip(xt @ wt[d] + states[0] @ rt[d] + bias[d]))]

        y, finals = rec.run_directions(x, [h0], seq_lens, self.a.direction, cell)
        return tuple(rec.from_seq_major(y, finals, layout))
