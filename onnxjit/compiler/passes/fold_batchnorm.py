"""BatchNormalization at inference with constant statistics.

- After a Conv whose output only it reads: folded into the Conv's weights and bias.
- Elsewhere: rewritten to Mul + Add by per-channel constants (which elementwise fusion then absorbs).
"""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ir import Graph, Node, ValueInfo, array_root, outer_scope_names


def _bn_affine(node: Node, consts: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    if len(node.inputs) < 5 or len([o for o in node.outputs if o]) != 1 or node.attrs.get("training_mode", 0):
        return None
    if not all(i in consts for i in node.inputs[1:5]):
        return None
    params = [consts[i] for i in node.inputs[1:5]]
    # one value per channel each, or no folding: the node then runs and its kernel names the mismatch
    if any(not isinstance(v, np.ndarray) or v.ndim != 1 or v.shape != params[0].shape or v.dtype.kind != "f"
           for v in params):
        return None
    scale, bias, mean, var = (v.astype(np.float64) for v in params)
    eps = float(node.attrs.get("epsilon", 1e-5))
    a = scale / np.sqrt(var + eps)
    return a, bias - mean * a


def _conv_matches(conv: Node, consts: dict[str, np.ndarray], channels: int) -> bool:
    """Whether the conv's weights ([M, ...]) and bias ([M]) have the BatchNormalization's M channels."""
    w = consts[conv.inputs[1]]
    if not isinstance(w, np.ndarray) or w.ndim < 1 or w.shape[0] != channels or w.dtype.kind != "f":
        return False
    if len(conv.inputs) > 2 and conv.inputs[2]:
        b = consts[conv.inputs[2]]
        return isinstance(b, np.ndarray) and b.shape == (channels,)
    return True


def fold_batchnorm(graph: Graph, overridable: set[str]) -> int:
    consts = {k: v for k, v in graph.initializers.items() if k not in overridable}
    producers = graph.producers()
    uses: dict[str, int] = {}
    for n in graph.nodes:
        for i in n.inputs:
            uses[i] = uses.get(i, 0) + 1
    outputs = set(graph.output_names())
    # read other than by a node here: graph outputs and subgraphs' outer-scope names
    exposed = outputs.union(*(outer_scope_names(n) for n in graph.nodes))
    holders: dict[int, int] = {}  # arrays by how many initializers hold them or a view of them
    for v in graph.initializers.values():
        if isinstance(v, np.ndarray):
            root = id(array_root(v))
            holders[root] = holders.get(root, 0) + 1
    kept: list[Node] = []
    count = 0
    removed: set[int] = set()
    for node in graph.nodes:
        if node.op_type != "BatchNormalization" or node.domain != "":
            continue
        ab = _bn_affine(node, consts)
        x = node.inputs[0]
        if ab is None or x not in graph.value_info and x not in producers:
            continue
        a, b = ab
        conv = producers.get(x)
        if conv is not None and conv.op_type == "Conv" and conv.domain == "" and uses.get(x) == 1 and x not in outputs \
                and conv.inputs[1] in consts and (len(conv.inputs) < 3 or not conv.inputs[2] or conv.inputs[2] in consts) \
                and _conv_matches(conv, consts, a.shape[0]):
            w = consts[conv.inputs[1]]
            dt = w.dtype
            # in place when only this conv reads weights the session owns: a new copy of every conv's
            # weights was a third of a warm start's fresh memory (its page faults: ~0.1 s on resnet50)
            alone = uses.get(conv.inputs[1]) == 1 and conv.inputs[1] not in exposed
            in_place = alone and holders.get(id(w)) == 1 and w.flags.writeable and w.flags.owndata \
                and w.flags.c_contiguous
            # computed in float64 without a float64 copy of the weights (5x faster on big convs)
            w2 = np.multiply(w, a.reshape((-1,) + (1,) * (w.ndim - 1)), out=w if in_place else np.empty_like(w),
                             dtype=np.float64, casting="unsafe")
            if in_place:  # the old name must not keep the scaled values
                del graph.initializers[conv.inputs[1]]
                del consts[conv.inputs[1]]
            b0 = consts[conv.inputs[2]].astype(np.float64) if len(conv.inputs) > 2 and conv.inputs[2] else 0.0
            b2 = (b0 * a + b).astype(dt)
            wn, bn = f"{conv.name}__bnfolded_w", f"{conv.name}__bnfolded_b"
            graph.initializers[wn], graph.initializers[bn] = w2, b2
            conv.inputs = [conv.inputs[0], wn, bn]
            conv.outputs = [node.outputs[0]]
            removed.add(id(node))
        else:
            dt = consts[node.inputs[1]].dtype
            rank = graph.value_info[x].shape if x in graph.value_info else None
            nd = len(rank) if rank is not None else None
            if nd is None or nd < 2:
                continue
            channels = rank[1]
            if (isinstance(channels, int) and channels != a.shape[0]) or (not isinstance(channels, int) and a.shape[0] == 1):
                continue  # params that do not match the channels (or could broadcast): the node refuses them
            shape = (-1,) + (1,) * (nd - 2)
            an, bn = f"{node.name}__bn_scale", f"{node.name}__bn_shift"
            graph.initializers[an], graph.initializers[bn] = a.astype(dt).reshape(shape), b.astype(dt).reshape(shape)
            mid = f"{node.name}__bn_scaled"
            if node.outputs[0] in graph.value_info:  # the scaled value has the output's type
                graph.value_info[mid] = ValueInfo(mid, graph.value_info[node.outputs[0]].type)
            node.op_type, node.inputs, node.attrs = "Mul", [x, an], {}
            kept_add = Node("Add", [mid, bn], [node.outputs[0]], {}, "", f"{node.name}__bn_add")
            node.outputs = [mid]
            node._extra = kept_add  # type: ignore[attr-defined]
        count += 1
    for node in graph.nodes:
        if id(node) in removed:
            continue
        kept.append(node)
        extra = getattr(node, "_extra", None)
        if extra is not None:
            kept.append(extra)
            del node._extra  # type: ignore[attr-defined]
    graph.nodes = kept
    return count
