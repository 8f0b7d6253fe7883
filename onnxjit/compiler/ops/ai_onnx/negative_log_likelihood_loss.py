"""NegativeLogLikelihoodLoss: -input[n, target[n, ...], ...] weighted, with ignore_index and reduction."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import OpDef, register


def nll_loss(log_prob: np.ndarray, target: np.ndarray, weight: np.ndarray | None,
             reduction: str, ignore_index: int | None) -> np.ndarray:
    """The loss of (N, C, d1, ...) log-probabilities against (N, d1, ...) class indices."""
    classes = log_prob.shape[1]
    target = target.astype(np.int64)
    kept = np.ones(target.shape, dtype=bool) if ignore_index is None else target != ignore_index
    index = np.where(kept, target, 0).clip(0, classes - 1)
    picked = np.take_along_axis(log_prob, index[:, None], axis=1)[:, 0]
    w = np.ones(target.shape, dtype=log_prob.dtype) if weight is None else weight[index].astype(log_prob.dtype)
    w = np.where(kept, w, np.zeros_like(w))
    loss = -picked * w
    if reduction == "sum":
        return np.asarray(loss.sum(), dtype=log_prob.dtype)
    if reduction == "mean":
        return np.asarray(loss.sum() / w.sum(), dtype=log_prob.dtype)
    return loss.astype(log_prob.dtype)


@register("NegativeLogLikelihoodLoss", since=12)
class NegativeLogLikelihoodLoss(OpDef):
    attrs = {"reduction": "mean", "ignore_index": None}

    def reference(self, x: np.ndarray, target: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
        return nll_loss(x, target, weight, self.a.reduction, self.a.ignore_index)
