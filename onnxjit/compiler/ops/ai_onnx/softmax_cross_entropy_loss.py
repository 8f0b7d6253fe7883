"""SoftmaxCrossEntropyLoss: NLL loss of log_softmax(scores) over axis 1; optionally the log-probabilities."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx.negative_log_likelihood_loss import nll_loss
from onnxjit.compiler.ops.registry import OpDef, register


@register("SoftmaxCrossEntropyLoss", since=12)
class SoftmaxCrossEntropyLoss(OpDef):
    attrs = {"reduction": "mean", "ignore_index": None}

    def reference(self, scores: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None):
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        log_prob = (shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))).astype(scores.dtype)
        loss = nll_loss(log_prob, labels, weights, self.a.reduction, self.a.ignore_index)
        return loss, log_prob
