"""IR -> ONNX: the optimised model as a ModelProto (for `SessionOptions.optimized_model_filepath`).

The inverse of loader.py. The IR keeps attributes as python values, which lose one fact: an empty
list does not say whether it was INTS, FLOATS or STRINGS. The op's schema says, so attribute types
come from the schema where it knows the attribute, and from the value otherwise.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import AttributeProto, GraphProto, ModelProto, helper, numpy_helper

from onnxjit.compiler.ir import Graph, Model, Node, topological_order


def model_to_proto(model: Model) -> ModelProto:
    """A ModelProto holding `model` as it is now (after the passes that rewrote it)."""
    proto = ModelProto()
    proto.ir_version = model.ir_version
    proto.producer_name = model.producer_name
    proto.producer_version = model.producer_version
    proto.domain = model.domain
    proto.model_version = model.model_version
    proto.doc_string = model.doc_string
    for domain, version in sorted(model.opsets.items()):
        proto.opset_import.add(domain=domain, version=version)
    for key, value in model.metadata_props.items():
        proto.metadata_props.add(key=key, value=value)
    proto.functions.extend(model.functions.values())
    proto.graph.CopyFrom(graph_to_proto(model.graph, model.opsets))
    if model.ir_version < 4:  # then every initializer must also be a graph input (folded ones too)
        listed = {vi.name for vi in proto.graph.input}
        proto.graph.input.extend(helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
                                 for t in proto.graph.initializer if t.name not in listed)
    proto.graph.doc_string = model.graph_description
    return proto


def graph_to_proto(graph: Graph, opsets: dict[str, int]) -> GraphProto:
    g = GraphProto()
    g.name = graph.name
    g.doc_string = graph.doc_string
    g.node.extend(_node_to_proto(n, opsets) for n in topological_order(graph))
    g.input.extend(_value_info(v.name, v.type) for v in graph.inputs)
    g.output.extend(_value_info(v.name, v.type) for v in graph.outputs)
    io = set(graph.input_names()) | set(graph.output_names())
    g.value_info.extend(_value_info(name, v.type) for name, v in graph.value_info.items()
                        if name not in io and v.type is not None)
    g.initializer.extend(tensor_proto(name, value) for name, value in graph.initializers.items())
    return g


def tensor_proto(name: str, value: Any) -> onnx.TensorProto:
    arr = np.asarray(value)
    if arr.dtype == object:  # strings are kept as python str objects
        arr = np.vectorize(lambda s: s.encode("utf-8") if isinstance(s, str) else s, otypes=[object])(arr) \
            if arr.size else arr.astype(np.bytes_)
    return numpy_helper.from_array(arr, name)


def _value_info(name: str, tp: onnx.TypeProto | None) -> onnx.ValueInfoProto:
    vi = onnx.ValueInfoProto()
    vi.name = name
    if tp is not None:
        vi.type.CopyFrom(tp)
    return vi


def _node_to_proto(node: Node, opsets: dict[str, int]) -> onnx.NodeProto:
    p = onnx.NodeProto()
    p.op_type, p.name, p.domain = node.op_type, node.name, node.domain
    p.input.extend(node.inputs)
    p.output.extend(node.outputs)
    schema = _schema(node, opsets)
    for name, value in node.attrs.items():
        declared = schema.attributes[name].type if schema is not None and name in schema.attributes else None
        p.attribute.append(attribute_proto(name, value, declared, opsets))
    return p


def _schema(node: Node, opsets: dict[str, int]):
    version = node.opset or opsets.get(node.domain, 1)
    try:
        return onnx.defs.get_schema(node.op_type, version, node.domain)
    except Exception:  # noqa: BLE001 - an op onnx does not define (a contrib op): types from values
        return None


def attribute_proto(name: str, value: Any, declared: Any, opsets: dict[str, int]) -> AttributeProto:
    """`value` (as loader.attribute_value made it) as an AttributeProto of the declared type."""
    from onnxjit.compiler.loader import RefAttr

    T = AttributeProto
    if isinstance(value, RefAttr):
        return value.proto
    if isinstance(value, Graph):
        return helper.make_attribute(name, graph_to_proto(value, opsets))
    if isinstance(value, list) and value and all(isinstance(v, Graph) for v in value):
        return helper.make_attribute(name, [graph_to_proto(v, opsets) for v in value])
    if isinstance(value, onnx.TypeProto):
        return helper.make_attribute(name, value, attr_type=T.TYPE_PROTO)
    if isinstance(value, np.ndarray) and declared in (None, T.TENSOR, T.SPARSE_TENSOR):
        if declared == T.SPARSE_TENSOR:  # made dense on loading: back to COO (Constant's sparse_value)
            return helper.make_attribute(name, helper.make_sparse_tensor(*_sparse_parts(value)))
        return helper.make_attribute(name, tensor_proto("", value))
    if isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value):
        return helper.make_attribute(name, [tensor_proto("", v) for v in value])
    kind = {T.FLOAT: float, T.INT: int, T.STRING: str}.get(declared)
    if kind is not None and not isinstance(value, (list, tuple)):
        return helper.make_attribute(name, kind(value), attr_type=declared)
    if declared in (T.FLOATS, T.INTS, T.STRINGS) and isinstance(value, (list, tuple)):
        item = {T.FLOATS: float, T.INTS: int, T.STRINGS: str}[declared]
        return helper.make_attribute(name, [item(v) for v in value], attr_type=declared)
    if isinstance(value, (list, tuple)) and not value:
        return helper.make_attribute(name, [], attr_type=T.INTS)
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    return helper.make_attribute(name, value)


def _sparse_parts(dense: np.ndarray) -> tuple[onnx.TensorProto, onnx.TensorProto, list[int]]:
    """COO values, flat indices and dims of a dense array (a SPARSE_TENSOR attribute written back)."""
    flat = dense.reshape(-1)
    idx = np.flatnonzero(flat).astype(np.int64)
    return tensor_proto("", flat[idx]), numpy_helper.from_array(idx, ""), list(dense.shape)
