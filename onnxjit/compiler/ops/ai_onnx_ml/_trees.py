"""Shared tree-ensemble machinery: a flat node table, vectorised traversal, score aggregation."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Branch modes, numbered as TreeEnsemble's `nodes_modes` (the older ops' strings map onto them).
LEQ, LT, GTE, GT, EQ, NEQ, MEMBER, LEAF = range(8)
MODE_NAMES = {"BRANCH_LEQ": LEQ, "BRANCH_LT": LT, "BRANCH_GTE": GTE, "BRANCH_GT": GT,
              "BRANCH_EQ": EQ, "BRANCH_NEQ": NEQ, "BRANCH_MEMBER": MEMBER, "LEAF": LEAF}


@dataclass
class NodeTable:
    """All trees' nodes in one table; leaves carry (target, weight) contributions."""

    mode: np.ndarray          # int per node (LEAF for leaves)
    feature: np.ndarray       # int64 per node
    threshold: np.ndarray     # float64 per node
    true_next: np.ndarray     # int64 node index per node
    false_next: np.ndarray
    missing_true: np.ndarray  # bool per node
    roots: list[int]
    members: dict[int, np.ndarray] = field(default_factory=dict)  # MEMBER node → its set

    def leaves(self, x: np.ndarray) -> np.ndarray:
        """[n_samples, n_trees] index of the leaf each sample reaches in each tree."""
        x = x.reshape(x.shape[0], -1).astype(np.float64) if x.ndim != 2 else x.astype(np.float64)
        n = x.shape[0]
        rows = np.arange(n)
        out = np.empty((n, len(self.roots)), dtype=np.int64)
        for t, root in enumerate(self.roots):
            pos = np.full(n, root, dtype=np.int64)
            while True:
                active = np.nonzero(self.mode[pos] != LEAF)[0]
                if active.size == 0:
                    break
                p = pos[active]
                v = x[rows[active], self.feature[p]]
                thr, mode = self.threshold[p], self.mode[p]
                cond = np.select(
                    [mode == LEQ, mode == LT, mode == GTE, mode == GT, mode == EQ, mode == NEQ],
                    [v <= thr, v < thr, v >= thr, v > thr, v == thr, v != thr], default=False)
                for node in np.unique(p[mode == MEMBER]):
                    sel = p == node
                    cond[sel] = np.isin(v[sel], self.members[int(node)])
                cond |= self.missing_true[p] & np.isnan(v)
                pos[active] = np.where(cond, self.true_next[p], self.false_next[p])
            out[:, t] = pos
        return out


def aggregate(leaf_idx: np.ndarray, leaf_targets: dict[int, list[tuple[int, float]]], n_targets: int,
              how: str, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Combine the reached leaves' weights per target: SUM, AVERAGE, MIN or MAX.

    Returns the scores (0 where no leaf contributed) and a has-contribution mask."""
    weight = np.full((n_nodes, n_targets), np.nan)
    for node, contribs in leaf_targets.items():
        for target, w in contribs:
            weight[node, target] = w if np.isnan(weight[node, target]) else weight[node, target] + w
    per_tree = weight[leaf_idx]  # [n, trees, targets]
    has = ~np.all(np.isnan(per_tree), axis=1)
    if how in ("SUM", "AVERAGE"):
        score = np.nansum(per_tree, axis=1)
        if how == "AVERAGE":
            score = score / leaf_idx.shape[1]
    elif how == "MIN":
        score = np.where(has, np.nanmin(np.where(has[:, None, :], per_tree, 0.0), axis=1), 0.0)
    elif how == "MAX":
        score = np.where(has, np.nanmax(np.where(has[:, None, :], per_tree, 0.0), axis=1), 0.0)
    else:
        raise ValueError(f"unknown aggregate_function {how!r}")
    return score, has
