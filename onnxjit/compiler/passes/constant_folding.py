"""Constant folding: run nodes whose inputs are all constants once, keep their results as initializers."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ir import Graph, subgraphs, topological_order
from onnxjit.compiler.ops.registry import lookup

MAX_FOLDED_BYTES = 64 << 20


def fold_constants(graph: Graph, opsets: dict[str, int], overridable: set[str]) -> int:
    """Fold in place; `overridable` initializers (also graph inputs) are not constants. Returns count."""
    consts = {k: v for k, v in graph.initializers.items() if k not in overridable}
    kept, folded = [], 0
    for node in topological_order(graph):
        cls = lookup(node.domain, node.op_type, node.opset or opsets.get(node.domain, 1))
        foldable = (
            cls is not None and cls.deterministic and not subgraphs(node)
            and all((not i) or i in consts for i in node.inputs)
            and node.op_type not in {"Loop", "If", "Scan", "SequenceMap"}
        )
        if foldable:
            try:
                outs = cls(node, node.opset or opsets.get(node.domain, 1)).run([consts[i] if i else None for i in node.inputs])
            except Exception:  # noqa: BLE001 - leave it to run time, where errors name the node
                outs = None
            if outs is not None and all(isinstance(o, np.ndarray) and o.nbytes <= MAX_FOLDED_BYTES for o in outs[: len(node.outputs)]):
                for name, val in zip(node.outputs, outs):
                    if name:
                        consts[name] = val
                        graph.initializers[name] = val
                folded += 1
                continue
        kept.append(node)
    graph.nodes = kept
    return folded
