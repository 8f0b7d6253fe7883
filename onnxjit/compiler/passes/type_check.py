"""Check a loaded graph's types the way onnxruntime does before it runs anything: a model that
binds one type variable to two element types (Add(float, int64)), feeds an op a type outside its
constraint, gives an initializer another type than its declaration, or gives an attribute the wrong
type is refused at load with InvalidGraph, never handed to a code generator (Numba would fail to
type it, or compute garbage).

Only what onnx's schemas state is checked (`onnx.defs.get_schema(op_type, opset, domain)`): ops
and domains without a schema (com.microsoft, model-local functions) and values whose type is
unknown are skipped, so the pass can refuse a malformed graph but nothing onnxruntime accepts.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import ModelProto, TypeProto, defs

from onnxjit.compiler.ir import Graph, Model, Node, subgraphs
from onnxjit.errors import InvalidGraph

_ELEM_NAMES = {v: k.lower() for k, v in onnx.TensorProto.DataType.items() if v}
_OPTION = defs.OpSchema.FormalParameterOption


def type_string(tp: TypeProto | None) -> str | None:
    """The type as onnx's schemas spell it ('tensor(float)', 'seq(tensor(int64))', ...), or None
    when it is (partly) unknown."""
    if tp is None:
        return None
    kind = tp.WhichOneof("value")
    if kind in ("tensor_type", "sparse_tensor_type"):
        name = _ELEM_NAMES.get(getattr(tp, kind).elem_type)
        return None if name is None else f"{'tensor' if kind == 'tensor_type' else 'sparse_tensor'}({name})"
    if kind in ("sequence_type", "optional_type"):
        inner = type_string(getattr(tp, kind).elem_type)
        return None if inner is None else f"{'seq' if kind == 'sequence_type' else 'optional'}({inner})"
    if kind == "map_type":
        key, value = _ELEM_NAMES.get(tp.map_type.key_type), type_string(tp.map_type.value_type)
        return None if key is None or value is None else f"map({key},{value})"
    return None


def _array_type(a: Any) -> str | None:
    if not isinstance(a, np.ndarray):
        return None
    if a.dtype == object:
        return "tensor(string)"
    try:
        return f"tensor({_ELEM_NAMES[onnx.helper.np_dtype_to_tensor_dtype(a.dtype)]})"
    except (KeyError, TypeError, ValueError):
        return None


def _schema(op_type: str, opset: int, domain: str):
    try:
        return defs.get_schema(op_type, opset, domain)
    except Exception:  # noqa: BLE001 - onnx.defs.SchemaError: no schema, nothing to check
        return None


def _value_types(graph: Graph, outer: dict[str, str]) -> dict[str, str]:
    """name -> type string of every value of `graph` whose type is known. An initializer's type is its
    data's; a name declared with two different types is an invalid graph."""
    types = dict(outer)
    declared: dict[str, tuple[str, str]] = {}

    def declare(name: str, t: str | None, where: str) -> None:
        if t is None:
            return
        if name in declared and declared[name][0] != t:
            raise InvalidGraph(f"Type Error: {declared[name][1]} {name!r} has type {declared[name][0]} but "
                               f"{where} declares it as {t}")
        declared.setdefault(name, (t, where))
        types[name] = t

    for name, arr in graph.initializers.items():
        declare(name, _array_type(arr), "initializer")
    for vi in graph.inputs:
        declare(vi.name, type_string(vi.type), "graph input")
    for vi in graph.value_info.values():
        declare(vi.name, type_string(vi.type), "value_info")
    for vi in graph.outputs:
        declare(vi.name, type_string(vi.type), "graph output")
    return types


def _check_node(node: Node, schema, types: dict[str, str]) -> None:
    bound: dict[str, tuple[str, str]] = {}   # type variable -> (type, the value that bound it)
    allowed = {c.type_param_str: set(c.allowed_type_strs) for c in schema.type_constraints}

    def formal_actuals(formals, actuals: list[str], role: str):
        for k, f in enumerate(formals):
            if f.option == _OPTION.Variadic:
                for a in actuals[k:]:
                    yield f, a, f.is_homogeneous, role
                return
            if k < len(actuals):
                yield f, actuals[k], True, role

    for f, name, homogeneous, role in [*formal_actuals(schema.inputs, node.inputs, "input"),
                                       *formal_actuals(schema.outputs, node.outputs, "output")]:
        t = types.get(name) if name else None
        if t is None:
            continue
        tv = f.type_str
        ok = allowed.get(tv, {tv})
        if "map(" not in t and "sparse_tensor(" not in t and t not in ok:
            raise InvalidGraph(f"Type Error: Type ({t}) of {role} parameter ({name}) of operator "
                               f"({node.op_type}) in node ({node.name}) is invalid.")
        if tv not in allowed or not homogeneous:
            continue
        if tv in bound and bound[tv][0] != t:
            raise InvalidGraph(f"Type Error: Type parameter ({tv}) of Optype ({node.op_type}) bound to different "
                               f"types ({bound[tv][0]} and {t} in node ({node.name}))")
        bound.setdefault(tv, (t, name))


# attributes that name an element type (onnxruntime: "Attribute to does not specify a valid type")
_TYPE_ATTRIBUTES = {"Cast": "to", "EyeLike": "dtype", "RandomNormal": "dtype", "RandomUniform": "dtype",
                    "RandomNormalLike": "dtype", "RandomUniformLike": "dtype", "Multinomial": "dtype",
                    "Bernoulli": "dtype"}


def _check_type_attribute(node: Node) -> None:
    name = _TYPE_ATTRIBUTES.get(node.op_type) if node.domain in ("", "ai.onnx") else None
    if name is None or name not in node.attrs:
        return
    value = node.attrs[name]
    if not isinstance(value, int) or isinstance(value, bool) or value not in _ELEM_NAMES:
        raise InvalidGraph(f"Node ({node.name}) Op ({node.op_type}) attribute {name} does not specify a valid "
                           f"type: {str(value)[:40]}")


def type_check(model: Model) -> None:
    """Refuse (InvalidGraph) a graph whose types break its ops' schemas; see the module doc."""
    local = set(model.functions)

    def check(graph: Graph, outer: dict[str, str]) -> None:
        types = _value_types(graph, outer)
        for node in graph.nodes:
            domain = "" if node.domain == "ai.onnx" else node.domain
            schema = None if (node.domain, node.op_type) in local else \
                _schema(node.op_type, node.opset or model.opset(domain), domain)
            if schema is not None:
                _check_type_attribute(node)
                _check_node(node, schema, types)
            for g in subgraphs(node):
                check(g, types)

    check(model.graph, {})


# --- attribute types and arity: onnx's node checker, as onnxruntime runs it ----------------------

def check_node_protos(proto: ModelProto) -> None:
    """onnx's checker on each node of the graph and its subgraphs (attribute types, required
    attributes, input and output counts), as onnxruntime runs it when it resolves a graph: a Gemm
    whose transA is a string is refused here with InvalidGraph instead of failing later in a kernel.
    Nodes with subgraphs themselves (the checker would check the subgraphs too and cannot be told
    their outer scope), Constant nodes (onnxruntime makes initializers of
    them first), calls of model-local functions and ops without a schema are skipped."""
    from onnx import checker

    ctx = checker.C.CheckerContext()
    ctx.ir_version = proto.ir_version
    ctx.opset_imports = {o.domain: o.version for o in proto.opset_import}
    local = {(f.domain, f.name) for f in proto.functions}
    scope = checker.C.LexicalScopeContext()
    graphs = [proto.graph]
    while graphs:
        for i, node in enumerate(graphs.pop().node):
            _check_node_proto(node, i, ctx, scope, local, graphs)


def _check_node_proto(node: onnx.NodeProto, i: int, ctx, scope, local: set, graphs: list) -> None:
    from onnx import checker

    if node.op_type == "Constant" and node.domain in ("", "ai.onnx") or (node.domain, node.op_type) in local:
        return
    nested = [a.g for a in node.attribute if a.type == onnx.AttributeProto.GRAPH]
    nested += [g for a in node.attribute if a.type == onnx.AttributeProto.GRAPHS for g in a.graphs]
    if nested:
        graphs.extend(nested)  # their nodes are checked; the node itself is not (see above)
        return
    domain = "" if node.domain == "ai.onnx" else node.domain
    version = ctx.opset_imports.get(domain, ctx.opset_imports.get("ai.onnx" if domain == "" else domain))
    if version is None or _schema(node.op_type, version, domain) is None:
        return  # an op onnx does not know: the providers say NotImplemented, naming it
    try:
        checker.C.check_node(node.SerializeToString(), ctx, scope)
    except Exception as exc:  # noqa: BLE001 - onnx.checker.ValidationError and friends
        raise InvalidGraph(f"This is an invalid model. In node {node.name or '#' + str(i)!r} ({node.op_type}): "
                           f"{exc}") from exc
