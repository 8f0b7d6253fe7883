"""TreeEnsembleRegressor: aggregate the leaf values an ensemble of decision trees reaches, per target."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx_ml._legacy_trees import _values, legacy_table
from onnxjit.compiler.ops.ai_onnx_ml._post import post_transform
from onnxjit.compiler.ops.ai_onnx_ml._trees import aggregate
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("TreeEnsembleRegressor", since=1, domain="ai.onnx.ml")
class TreeEnsembleRegressor(OpDef):
    """Versions 1 and 3 (3 adds the `*_as_tensor` double attributes)."""

    fusion = Fusion.OPAQUE
    attrs = {"aggregate_function": "SUM", "base_values": None, "base_values_as_tensor": None,
             "n_targets": None, "nodes_falsenodeids": None, "nodes_featureids": None,
             "nodes_hitrates": None, "nodes_hitrates_as_tensor": None,
             "nodes_missing_value_tracks_true": None, "nodes_modes": None, "nodes_nodeids": None,
             "nodes_treeids": None, "nodes_truenodeids": None, "nodes_values": None,
             "nodes_values_as_tensor": None, "post_transform": "NONE", "target_ids": None,
             "target_nodeids": None, "target_treeids": None, "target_weights": None,
             "target_weights_as_tensor": None}

    def reference(self, x: np.ndarray) -> np.ndarray:
        table, leaf_targets = legacy_table(self.a, "target")
        n_targets = int(self.a.n_targets) if self.a.n_targets else int(max(self.a.target_ids, default=0)) + 1
        score, _ = aggregate(table.leaves(x), leaf_targets, n_targets, self.a.aggregate_function, table.mode.size)
        base = _values(self.a, "base_values")
        if base:
            score = score + np.asarray(base, dtype=np.float64)
        return post_transform(score, self.a.post_transform).astype(np.float32)
