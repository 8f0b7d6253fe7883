"""Inline model-local functions, and ONNX function ops that have no kernel of their own.

ONNX defines many ops (Gelu, LayerNormalization, HardSwish, …) by a function body; an op that has
no registered kernel but has such a body runs as that body, like onnxruntime does for them.
"""
from __future__ import annotations

from typing import Callable

import onnx
from onnx import FunctionProto

from onnxjit.compiler.ir import Graph, Model, Node, subgraphs
from onnxjit.compiler.loader import RefAttr, attribute_value, node_from_proto

HasKernel = Callable[[str, str, int], bool]


def schema_function(node: Node, opset: int, graph: Graph) -> FunctionProto | None:
    """The function body ONNX defines for this op at this opset, if any."""
    try:
        schema = onnx.defs.get_schema(node.op_type, opset, node.domain)
    except Exception:  # noqa: BLE001 - unknown op
        return None
    if schema.has_function:
        if schema.since_version <= opset:
            try:
                return schema.get_function_with_opset_version(opset) or schema.function_body
            except Exception:  # noqa: BLE001
                return schema.function_body
    if schema.has_context_dependent_function:
        types = []
        for name in node.inputs:
            vi = graph.type_of(name) if name else None
            if name and (vi is None or vi.type is None):
                return None
            types.append(vi.type.SerializeToString() if vi is not None else onnx.TypeProto().SerializeToString())
        proto = onnx.helper.make_node(node.op_type, node.inputs, node.outputs, domain=node.domain)
        for k, v in node.attrs.items():
            if isinstance(v, RefAttr):
                return None
            try:
                proto.attribute.append(_make_attr(k, v))
            except Exception:  # noqa: BLE001
                return None
        try:
            raw = schema.get_context_dependent_function_with_opset_version(opset, proto.SerializeToString(), types)
        except Exception:  # noqa: BLE001
            try:
                raw = schema.get_context_dependent_function(proto.SerializeToString(), types)
            except Exception:  # noqa: BLE001
                return None
        fn = FunctionProto()
        fn.ParseFromString(raw)
        return fn if fn.node else None
    return None


def _make_attr(name, value):
    import numpy as np

    if isinstance(value, np.ndarray):
        return onnx.helper.make_attribute(name, onnx.numpy_helper.from_array(value))
    return onnx.helper.make_attribute(name, value)


def expand(node: Node, fn: FunctionProto, counter: list[int]) -> list[Node]:
    """The body of `fn` with formal names bound to the call's values and the rest made unique."""
    counter[0] += 1
    prefix = f"{node.name}__f{counter[0]}__"
    rename: dict[str, str] = {"": ""}
    for i, formal in enumerate(fn.input):
        rename[formal] = node.inputs[i] if i < len(node.inputs) else ""
    for i, formal in enumerate(fn.output):
        rename[formal] = node.outputs[i] if i < len(node.outputs) else prefix + formal
    defaults = {a.name: attribute_value(a) for a in fn.attribute_proto}
    fn_opsets = {("" if o.domain == "ai.onnx" else o.domain): o.version for o in fn.opset_import}
    out: list[Node] = []
    for k, proto in enumerate(fn.node):
        n = node_from_proto(proto)
        n.name = f"{prefix}{proto.name or n.op_type + str(k)}"
        attrs = {}
        for key, val in n.attrs.items():
            if isinstance(val, RefAttr):
                if val.ref in node.attrs:
                    attrs[key] = node.attrs[val.ref]
                elif val.ref in defaults:
                    attrs[key] = defaults[val.ref]
            else:
                attrs[key] = val
        n.attrs = attrs
        n.inputs = [rename.setdefault(x, prefix + x) for x in n.inputs]
        n.outputs = [rename.setdefault(x, prefix + x) for x in n.outputs]
        for g in subgraphs(n):
            _rename_free(g, rename)
        n.opset = fn_opsets.get(n.domain)
        out.append(n)
    return out


def _rename_free(g: Graph, rename: dict[str, str]) -> None:
    local = set(g.input_names()) | set(g.initializers) | {o for n in g.nodes for o in n.outputs}
    for n in g.nodes:
        n.inputs = [rename.get(x, x) if x not in local else x for x in n.inputs]
        for sub in subgraphs(n):
            _rename_free(sub, {k: v for k, v in rename.items() if k not in local})
    for o in g.outputs:
        if o.name not in local and o.name in rename:
            o.name = rename[o.name]


def inline_functions(model: Model, has_kernel: HasKernel, max_depth: int = 8) -> int:
    """Inline in place; returns the number of calls inlined."""
    counter = [0]
    _inline_graph(model, model.graph, has_kernel, counter, max_depth)
    return counter[0]


def _inline_graph(model: Model, graph: Graph, has_kernel: HasKernel, counter: list[int], depth: int) -> None:
    for _ in range(depth):
        changed = False
        new_nodes: list[Node] = []
        for node in graph.nodes:
            for sub in subgraphs(node):
                _inline_graph(model, sub, has_kernel, counter, depth)
            opset = node.opset or model.opset(node.domain)
            fn = model.functions.get((node.domain, node.op_type))
            if fn is None and not has_kernel(node.domain, node.op_type, opset):
                fn = schema_function(node, opset, graph)
            if fn is None:
                new_nodes.append(node)
                continue
            new_nodes.extend(expand(node, fn, counter))
            changed = True
        graph.nodes = new_nodes
        if not changed:
            return
