"""A small in-memory IR for ONNX models: values, nodes, graphs (subgraphs nested), models.

The IR is deliberately plain: lists and dicts that passes rewrite. Attributes are already python
values (ints, floats, str, lists, numpy arrays, nested `Graph`s), so op definitions never touch
protobuf.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np
from onnx import TypeProto

Dim = int | str | None  # a fixed size, a symbolic name, or unknown


@dataclass
class ValueInfo:
    """Name and (possibly partial) type of a graph value."""

    name: str
    type: TypeProto | None = None

    @property
    def kind(self) -> str:
        """'tensor', 'sequence', 'optional', 'map', 'sparse_tensor' or 'unknown'."""
        return self.type.WhichOneof("value") or "unknown" if self.type is not None else "unknown"

    @property
    def elem_type(self) -> int | None:
        if self.type is not None and self.type.HasField("tensor_type"):
            return self.type.tensor_type.elem_type or None
        return None

    @property
    def shape(self) -> tuple[Dim, ...] | None:
        """Tensor shape with ints, dim_param strings or None; None when the rank is unknown."""
        if self.type is None or not self.type.HasField("tensor_type"):
            return None
        tt = self.type.tensor_type
        if not tt.HasField("shape"):
            return None
        dims: list[Dim] = []
        for d in tt.shape.dim:
            if d.HasField("dim_value"):
                dims.append(int(d.dim_value))
            elif d.HasField("dim_param"):
                dims.append(d.dim_param)
            else:
                dims.append(None)
        return tuple(dims)


@dataclass
class Node:
    """One ONNX node. Missing optional inputs are ''."""

    op_type: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)
    domain: str = ""
    name: str = ""
    opset: int | None = None  # set on nodes inlined from a function body with its own opset

    def __repr__(self) -> str:
        return f"Node({self.name!r}, {self.domain + '::' if self.domain else ''}{self.op_type}, {self.inputs} -> {self.outputs})"


@dataclass
class Graph:
    name: str
    nodes: list[Node]
    inputs: list[ValueInfo]
    outputs: list[ValueInfo]
    initializers: dict[str, np.ndarray] = field(default_factory=dict)
    value_info: dict[str, ValueInfo] = field(default_factory=dict)
    doc_string: str = ""

    # --- use-def helpers -------------------------------------------------------------------
    def producers(self) -> dict[str, Node]:
        return {o: n for n in self.nodes for o in n.outputs if o}

    def consumers(self) -> dict[str, list[Node]]:
        uses: dict[str, list[Node]] = {}
        for n in self.nodes:
            for i in n.inputs:
                if i:
                    uses.setdefault(i, []).append(n)
            for name in outer_scope_names(n):
                uses.setdefault(name, []).append(n)
        return uses

    def input_names(self) -> list[str]:
        return [v.name for v in self.inputs]

    def output_names(self) -> list[str]:
        return [v.name for v in self.outputs]

    def type_of(self, name: str) -> ValueInfo | None:
        for v in self.inputs + self.outputs:
            if v.name == name:
                return v
        return self.value_info.get(name)

    def walk(self) -> Iterator[tuple["Graph", Node]]:
        """Every (graph, node) pair, subgraphs included."""
        for n in self.nodes:
            yield self, n
            for sub in subgraphs(n):
                yield from sub.walk()


@dataclass
class Model:
    graph: Graph
    opsets: dict[str, int]
    ir_version: int = 8
    producer_name: str = ""
    producer_version: str = ""
    domain: str = ""
    model_version: int = 0
    doc_string: str = ""
    graph_description: str = ""
    metadata_props: dict[str, str] = field(default_factory=dict)
    functions: dict[tuple[str, str], Any] = field(default_factory=dict)  # model-local FunctionProtos

    def opset(self, domain: str) -> int:
        domain = "" if domain == "ai.onnx" else domain
        return self.opsets.get(domain, 1)


def array_root(a: np.ndarray) -> np.ndarray:
    """The array that owns a's memory (a itself unless a is a view)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def subgraphs(node: Node) -> list[Graph]:
    out: list[Graph] = []
    for v in node.attrs.values():
        if isinstance(v, Graph):
            out.append(v)
        elif isinstance(v, list):
            out.extend(g for g in v if isinstance(g, Graph))
    return out


def outer_scope_names(node: Node) -> set[str]:
    """Names a node's subgraphs read from enclosing scopes (implicit inputs)."""
    names: set[str] = set()
    for g in subgraphs(node):
        local = set(g.input_names()) | set(g.initializers)
        for _, n in ((g, n) for n in g.nodes):
            local.update(o for o in n.outputs if o)
        for n in g.nodes:
            for i in n.inputs:
                if i and i not in local:
                    names.add(i)
            names.update(x for x in outer_scope_names(n) if x not in local)
        names.update(o.name for o in g.outputs if o.name not in local)
    return names


def topological_order(graph: Graph) -> list[Node]:
    """Nodes sorted so that each comes after the producers of its inputs (stable)."""
    available = set(graph.input_names()) | set(graph.initializers) | {""}
    pending = list(graph.nodes)
    ordered: list[Node] = []
    producers = graph.producers()
    while pending:
        progressed = False
        rest = []
        for n in pending:
            needs = [i for i in n.inputs if i] + sorted(outer_scope_names(n))
            if all(i in available or i not in producers for i in needs):
                ordered.append(n)
                available.update(n.outputs)
                progressed = True
            else:
                rest.append(n)
        if not progressed:
            raise ValueError(f"graph {graph.name!r} has a cycle through nodes {[n.name for n in rest][:5]}")
        pending = rest
    return ordered
