"""LinearClassifier: class scores X @ coefficients^T + intercepts, the best class's label, post-transform."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx_ml._post import logistic, post_transform, probit
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("LinearClassifier", since=1, domain="ai.onnx.ml")
class LinearClassifier(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"classlabels_ints": None, "classlabels_strings": None, "coefficients": REQUIRED,
             "intercepts": None, "multi_class": 0, "post_transform": "NONE"}

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        strings = bool(self.a.classlabels_strings)
        labels = np.array(self.a.classlabels_strings if strings else (self.a.classlabels_ints or []),
                          dtype=object if strings else np.int64)
        intercepts = np.asarray(self.a.intercepts or [], dtype=np.float32)
        n_targets = intercepts.size or max(len(labels), 1)
        x2 = (x.reshape(1, -1) if x.ndim == 1 else x).astype(np.float32)
        coef = np.asarray(self.a.coefficients, dtype=np.float32).reshape(n_targets, -1)
        scores = x2 @ coef.T + (intercepts if intercepts.size else np.float32(0))
        post = self.a.post_transform
        if n_targets == 1:
            if len(labels) == 2:
                pos, neg = labels[1], labels[0]
            else:
                pos, neg = ("1", "0") if strings else (1, 0)
            label = np.where(scores[:, 0] > 0, pos, neg).astype(object if strings else np.int64)
            if len(labels) == 2:  # one score column completed into two, as onnxruntime does
                # LOGISTIC applies to the score; SOFTMAX(_ZERO) of one column is skipped; PROBIT
                # fills only the first column (onnxruntime leaves the second undefined: 0 here).
                s = scores[:, 0]
                if post == "PROBIT":
                    pair = [probit(s), np.zeros_like(s)]
                else:
                    p = logistic(s) if post == "LOGISTIC" else s
                    pair = [1 - p, p]
                return label, np.stack(pair, axis=1).astype(np.float32)
            return label, post_transform(scores, post).astype(np.float32)
        label = labels[np.argmax(scores, axis=1)]
        return label, post_transform(scores, post).astype(np.float32)
