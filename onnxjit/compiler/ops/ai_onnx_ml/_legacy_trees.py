"""The node table of TreeEnsembleRegressor/Classifier (ai.onnx.ml 1-3): (tree id, node id) addressing."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from onnxjit.compiler.ops.ai_onnx_ml._trees import LEAF, MODE_NAMES, NodeTable


def _values(a: SimpleNamespace, name: str) -> list[float] | None:
    """A float attribute given either as a list or as its `<name>_as_tensor` double tensor."""
    v = getattr(a, name, None)
    if v is None:
        v = getattr(a, name + "_as_tensor", None)
    return None if v is None else [float(t) for t in np.asarray(v).reshape(-1)]


def legacy_table(a: SimpleNamespace, prefix: str) -> tuple[NodeTable, dict[int, list[tuple[int, float]]]]:
    """Build the table and the leaf contributions; prefix is 'target' (regressor) or 'class'."""
    tree_ids, node_ids = list(a.nodes_treeids), list(a.nodes_nodeids)
    where = {(t, n): k for k, (t, n) in enumerate(zip(tree_ids, node_ids))}
    n = len(node_ids)
    modes = np.array([MODE_NAMES[m] for m in a.nodes_modes], dtype=np.int64)
    tnext = np.array([where.get((t, c), 0) for t, c in zip(tree_ids, a.nodes_truenodeids)], dtype=np.int64)
    fnext = np.array([where.get((t, c), 0) for t, c in zip(tree_ids, a.nodes_falsenodeids)], dtype=np.int64)
    missing = np.zeros(n, dtype=bool) if not a.nodes_missing_value_tracks_true else \
        np.asarray(a.nodes_missing_value_tracks_true, dtype=bool)
    children = {(t, c) for t, m, tc, fc in zip(tree_ids, modes, a.nodes_truenodeids, a.nodes_falsenodeids)
                if m != LEAF for c in (tc, fc)}
    roots: dict[Any, int] = {}
    for k, (t, nid) in enumerate(zip(tree_ids, node_ids)):
        if (t, nid) not in children and t not in roots:
            roots[t] = k
    table = NodeTable(mode=modes, feature=np.asarray(a.nodes_featureids, dtype=np.int64),
                      threshold=np.asarray(_values(a, "nodes_values") or [0.0] * n, dtype=np.float64),
                      true_next=tnext, false_next=fnext, missing_true=missing,
                      roots=[roots[t] for t in sorted(roots)])
    weights = _values(a, f"{prefix}_weights") or []
    leaf_targets: dict[int, list[tuple[int, float]]] = {}
    for t, nid, target, w in zip(getattr(a, f"{prefix}_treeids"), getattr(a, f"{prefix}_nodeids"),
                                 getattr(a, f"{prefix}_ids"), weights):
        leaf_targets.setdefault(where[(t, nid)], []).append((int(target), w))
    return table, leaf_targets
