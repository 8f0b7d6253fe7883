"""A per-channel Mul or Add by a constant right after a Conv, folded into the Conv's weights and bias.

Exporters that write BatchNormalization as Conv -> Mul(scale) -> Add(shift) (inception_v2 does)
leave two elementwise passes over the Conv's output; folded, the Conv computes them for free.
Applies when the Conv's weights and bias are constants, its output has no other reader and is not a
graph output, and the constant broadcasts as one value per output channel ([M,1,1], [1,M,1,1], a
scalar...). Repeats until no pattern is left, so Mul then Add both fold.
"""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ir import Graph, outer_scope_names


def _per_channel(c: np.ndarray, rank: int, m: int) -> np.ndarray | None:
    """c as an (m,) vector when it broadcasts as one value per channel of a rank-`rank` output."""
    if c.ndim > rank or c.size not in (1, m):
        return None
    dims = (1,) * (rank - c.ndim) + tuple(c.shape)
    if any(d != 1 for i, d in enumerate(dims) if i != 1):
        return None
    return np.broadcast_to(c.reshape(-1).astype(np.float64), (m,))


def _uses(graph: Graph) -> dict[str, int]:
    uses: dict[str, int] = {}
    for n in graph.nodes:
        for i in list(n.inputs) + sorted(outer_scope_names(n)):
            uses[i] = uses.get(i, 0) + 1
    return uses


def _fold_one(graph: Graph, consts: dict[str, np.ndarray]) -> bool:
    producers = graph.producers()
    uses = _uses(graph)
    outputs = set(graph.output_names())
    for node in graph.nodes:
        if node.op_type not in ("Mul", "Add") or node.domain != "" or len(node.inputs) != 2:
            continue
        for xi in (0, 1):
            x, c = node.inputs[xi], node.inputs[1 - xi]
            conv = producers.get(x)
            if conv is None or conv.op_type != "Conv" or conv.domain != "" or c not in consts \
                    or uses.get(x) != 1 or x in outputs or conv.inputs[1] not in consts \
                    or (len(conv.inputs) > 2 and conv.inputs[2] and conv.inputs[2] not in consts):
                continue
            w = consts[conv.inputs[1]]
            if consts[c].dtype != w.dtype or w.dtype.kind != "f" or w.ndim < 1:
                continue
            if len(conv.inputs) > 2 and conv.inputs[2] and consts[conv.inputs[2]].shape != (w.shape[0],):
                continue  # a bias that does not match the weights: the conv refuses it when it runs
            v = _per_channel(consts[c], w.ndim, w.shape[0])
            if v is None:
                continue
            b = consts[conv.inputs[2]].astype(np.float64) if len(conv.inputs) > 2 and conv.inputs[2] \
                else np.zeros(w.shape[0])
            if node.op_type == "Mul":  # in float64, without a float64 copy of the weights
                w = np.multiply(w, v.reshape((-1,) + (1,) * (w.ndim - 1)), out=np.empty_like(w), dtype=np.float64,
                                casting="unsafe")
                b = b * v
            else:
                b = b + v
            wn, bn = f"{node.name or node.outputs[0]}__convfolded_w", f"{node.name or node.outputs[0]}__convfolded_b"
            graph.initializers[wn] = consts[wn] = w.astype(consts[c].dtype)
            graph.initializers[bn] = consts[bn] = b.astype(consts[c].dtype)
            conv.inputs = [conv.inputs[0], wn, bn]
            conv.outputs = [node.outputs[0]]
            graph.nodes.remove(node)
            return True
    return False


def fold_conv_affine(graph: Graph, overridable: set[str]) -> int:
    consts = {k: v for k, v in graph.initializers.items() if k not in overridable}
    count = 0
    while _fold_one(graph, consts):
        count += 1
    return count
