"""Remove nodes whose outputs nobody reads, and initializers nothing uses."""
from __future__ import annotations

from onnxjit.compiler.ir import Graph, outer_scope_names


def remove_dead_nodes(graph: Graph) -> int:
    needed = set(graph.output_names())
    live = []
    for node in reversed(graph.nodes):
        if any(o in needed for o in node.outputs if o):
            live.append(node)
            needed.update(i for i in node.inputs if i)
            needed.update(outer_scope_names(node))
    removed = len(graph.nodes) - len(live)
    graph.nodes = list(reversed(live))
    inputs = set(graph.input_names())
    for name in list(graph.initializers):
        if name not in needed and name not in inputs:
            del graph.initializers[name]
    return removed
