"""Identity elimination: readers of an Identity's output read its input instead."""
from __future__ import annotations

from onnxjit.compiler.ir import Graph, subgraphs


def remove_identities(graph: Graph) -> int:
    outputs = set(graph.output_names())
    rename: dict[str, str] = {}
    kept = []
    for node in graph.nodes:
        node.inputs = [rename.get(i, i) for i in node.inputs]
        if node.op_type == "Identity" and node.domain == "" and node.outputs[0] not in outputs and node.inputs[0]:
            rename[node.outputs[0]] = node.inputs[0]
            continue
        kept.append(node)
    if rename:
        for node in kept:
            for g in subgraphs(node):
                _rename_reads(g, rename)
    removed = len(graph.nodes) - len(kept)
    graph.nodes = kept
    return removed


def _rename_reads(g: Graph, rename: dict[str, str]) -> None:
    local = set(g.input_names()) | set(g.initializers) | {o for n in g.nodes for o in n.outputs}
    outer = {k: v for k, v in rename.items() if k not in local}
    for n in g.nodes:
        n.inputs = [outer.get(i, i) for i in n.inputs]
        for sub in subgraphs(n):
            _rename_reads(sub, outer)
    for o in g.outputs:
        if o.name in outer:
            # a subgraph output that was an outer Identity's output: keep the name via the source
            o.name = outer[o.name]
