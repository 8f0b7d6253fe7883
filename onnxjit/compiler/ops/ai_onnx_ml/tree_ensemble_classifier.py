"""TreeEnsembleClassifier: per-class sums of the leaf weights an ensemble of trees reaches, and the label."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx_ml._legacy_trees import _values, legacy_table
from onnxjit.compiler.ops.ai_onnx_ml._post import logistic, post_transform, probit
from onnxjit.compiler.ops.ai_onnx_ml._trees import aggregate
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("TreeEnsembleClassifier", since=1, domain="ai.onnx.ml")
class TreeEnsembleClassifier(OpDef):
    """Versions 1 and 3. Two-class models follow onnxruntime's conventions (one score column
    completed into two; label from score > 0.5 when all weights are positive, else > 0)."""

    fusion = Fusion.OPAQUE
    attrs = {"base_values": None, "base_values_as_tensor": None, "class_ids": None, "class_nodeids": None,
             "class_treeids": None, "class_weights": None, "class_weights_as_tensor": None,
             "classlabels_int64s": None, "classlabels_strings": None, "nodes_falsenodeids": None,
             "nodes_featureids": None, "nodes_hitrates": None, "nodes_hitrates_as_tensor": None,
             "nodes_missing_value_tracks_true": None, "nodes_modes": None, "nodes_nodeids": None,
             "nodes_treeids": None, "nodes_truenodeids": None, "nodes_values": None,
             "nodes_values_as_tensor": None, "post_transform": "NONE"}

    def reference(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        labels = self.a.classlabels_strings if self.a.classlabels_strings else self.a.classlabels_int64s
        labels = np.array(labels, dtype=object if self.a.classlabels_strings else np.int64)
        n_classes = len(labels)
        table, leaf_targets = legacy_table(self.a, "class")
        score, has = aggregate(table.leaves(x), leaf_targets, max(n_classes, 2), "SUM", table.mode.size)
        score = score.astype(np.float32)
        base = _values(self.a, "base_values") or []
        post = self.a.post_transform
        if n_classes > 2:
            if base:
                score = score + np.asarray(base, dtype=np.float32)
                has[:] = True
            label = labels[np.argmax(np.where(has, score, -np.inf), axis=1)]
            return label, post_transform(score, post).astype(np.float32)
        return self._binary(score, has, base, labels, post)

    def _binary(self, score, has, base, labels, post):
        """Two classes, as onnxruntime (1.32) finalises them: a row whose class-1 score exists gives
        two scores, in which a class no leaf voted for (even one a base value was added to) scores
        0; a row with only a class-0 score s gives one, completed into two: LOGISTIC gives
        (logistic(-s), logistic(s)) whatever the weights' signs, PROBIT (probit(s), 0), the others
        (1 - s, s) for one voted class with weights >= 0, else (-s, s). A forest of leaf-only trees
        (typical of a boosted model trained on a constant target) always takes the second path
        when its leaves vote for class 0 alone."""
        weights = _values(self.a, "class_weights") or []
        one_class = len(set(self.a.class_ids)) == 1
        all_positive = all(w >= 0 for w in weights)
        s0, s1, h0, h1 = score[:, 0].copy(), score[:, 1].copy(), has[:, 0], has[:, 1]
        if len(base) == 2:
            s1 = np.where(h1, np.float32(base[1]) + s0, s1 + np.float32(base[1]))
            s0 = np.where(h1, -s1, s0 + np.float32(base[0]))
            two = np.ones_like(h1)
        else:
            if len(base) == 1:
                s0 = s0 + np.float32(base[0])
            two = h1
        pos = np.where(h1, s1, np.where(h0, s0, 0))
        threshold = 0.5 if (one_class and all_positive) else 0.0
        # onnxruntime names the classes by their labels only when one class is voted for; otherwise
        # integer labels come out as 1 / 0 (its positive_label_ / negative_label_), whatever they are
        pair = (labels[1], labels[0]) if one_class or labels.dtype == object else (1, 0)
        label = np.where(pos > threshold, *pair).astype(labels.dtype)
        out = np.empty((score.shape[0], 2), dtype=np.float32)
        full = np.stack([np.where(h0, s0, 0), np.where(h1, s1, 0)], axis=1).astype(np.float32)
        out[two] = post_transform(full[two], post)
        single = s0[~two]
        if post == "PROBIT":
            out[~two] = np.stack([probit(single), np.zeros_like(single)], axis=1)
        elif post == "LOGISTIC":
            out[~two] = np.stack([logistic(-single), logistic(single)], axis=1)
        elif one_class and all_positive:
            out[~two] = np.stack([1 - single, single], axis=1)
        else:
            out[~two] = np.stack([-single, single], axis=1)
        return label, out
