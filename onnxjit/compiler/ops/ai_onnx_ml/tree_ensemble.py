"""TreeEnsemble: sum/average/min/max of leaf weights reached in an ensemble of decision trees."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx_ml._post import post_transform
from onnxjit.compiler.ops.ai_onnx_ml._trees import LEAF, MEMBER, NodeTable, aggregate
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register

_AGGREGATES = ["AVERAGE", "SUM", "MIN", "MAX"]


@register("TreeEnsemble", since=5, domain="ai.onnx.ml")
class TreeEnsemble(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"aggregate_function": 1, "leaf_targetids": REQUIRED, "leaf_weights": REQUIRED,
             "membership_values": None, "n_targets": None, "nodes_falseleafs": REQUIRED,
             "nodes_falsenodeids": REQUIRED, "nodes_featureids": REQUIRED, "nodes_hitrates": None,
             "nodes_missing_value_tracks_true": None, "nodes_modes": REQUIRED, "nodes_splits": REQUIRED,
             "nodes_trueleafs": REQUIRED, "nodes_truenodeids": REQUIRED, "post_transform": 0,
             "tree_roots": REQUIRED}

    def _table(self) -> tuple[NodeTable, dict[int, list[tuple[int, float]]]]:
        """Nodes 0..n-1 are branches, n.. are the leaves."""
        a = self.a
        modes = np.asarray(a.nodes_modes, dtype=np.int64).reshape(-1)
        n, n_leaves = modes.size, len(a.leaf_targetids)
        tleaf = np.asarray(a.nodes_trueleafs, dtype=bool)
        fleaf = np.asarray(a.nodes_falseleafs, dtype=bool)
        tnext = np.asarray(a.nodes_truenodeids, dtype=np.int64) + np.where(tleaf, n, 0)
        fnext = np.asarray(a.nodes_falsenodeids, dtype=np.int64) + np.where(fleaf, n, 0)
        missing = np.zeros(n, dtype=bool) if a.nodes_missing_value_tracks_true is None else \
            np.asarray(a.nodes_missing_value_tracks_true, dtype=bool)
        pad = np.zeros(n_leaves, dtype=np.int64)
        members: dict[int, np.ndarray] = {}
        if a.membership_values is not None:
            values = np.asarray(a.membership_values, dtype=np.float64).reshape(-1)
            groups = np.split(values, np.nonzero(np.isnan(values))[0] + 1)
            for node, group in zip(np.nonzero(modes == MEMBER)[0], groups):
                members[int(node)] = group[~np.isnan(group)]
        roots = []
        for r in a.tree_roots:
            degenerate = tleaf[r] and fleaf[r] and a.nodes_truenodeids[r] == a.nodes_falsenodeids[r]
            roots.append(int(tnext[r]) if degenerate else int(r))
        table = NodeTable(
            mode=np.concatenate([modes, np.full(n_leaves, LEAF)]),
            feature=np.concatenate([np.asarray(a.nodes_featureids, dtype=np.int64), pad]),
            threshold=np.concatenate([np.asarray(a.nodes_splits, dtype=np.float64).reshape(-1), pad.astype(float)]),
            true_next=np.concatenate([tnext, pad]), false_next=np.concatenate([fnext, pad]),
            missing_true=np.concatenate([missing, pad.astype(bool)]), roots=roots, members=members)
        weights = np.asarray(a.leaf_weights, dtype=np.float64).reshape(-1)
        leaf_targets: dict[int, list[tuple[int, float]]] = {}
        for k, (t, w) in enumerate(zip(a.leaf_targetids, weights)):
            leaf_targets.setdefault(n + k, []).append((int(t), float(w)))
        return table, leaf_targets

    def reference(self, x: np.ndarray) -> np.ndarray:
        table, leaf_targets = self._table()
        n_targets = int(self.a.n_targets) if self.a.n_targets is not None else \
            int(max(self.a.leaf_targetids)) + 1
        idx = table.leaves(x)
        score, _ = aggregate(idx, leaf_targets, n_targets, _AGGREGATES[self.a.aggregate_function],
                             table.mode.size)
        return post_transform(score, int(self.a.post_transform)).astype(x.dtype)
