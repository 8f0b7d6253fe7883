"""Reject malformed graphs early with InvalidGraph: undefined values, duplicate producers, cycles."""
from __future__ import annotations

from onnxjit.compiler.ir import Graph, subgraphs, topological_order
from onnxjit.errors import InvalidGraph


def validate(graph: Graph, outer: frozenset[str] = frozenset()) -> None:
    defined = set(outer) | set(graph.input_names()) | set(graph.initializers)
    produced: set[str] = set()
    for n in graph.nodes:
        for o in n.outputs:
            if o and o in produced:
                raise InvalidGraph(f"value {o!r} is produced by more than one node (node '{n.name}')")
            if o:
                produced.add(o)
    known = defined | produced
    for n in graph.nodes:
        for i in n.inputs:
            if i and i not in known:
                raise InvalidGraph(f"node '{n.name}' ({n.op_type}) reads {i!r}, which no input, initializer or node defines")
        for g in subgraphs(n):
            validate(g, frozenset(known))
    for o in graph.output_names():
        if o not in known:
            raise InvalidGraph(f"graph output {o!r} is not produced by any node")
    try:
        topological_order(graph)
    except ValueError as exc:
        raise InvalidGraph(str(exc)) from exc
