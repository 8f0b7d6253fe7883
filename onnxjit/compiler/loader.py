"""Load a model (path, bytes or ModelProto, external data included) into the IR."""
from __future__ import annotations

import os
from typing import Any

import numpy as np
import onnx
from onnx import AttributeProto, GraphProto, ModelProto, numpy_helper

from onnxjit.errors import Fail, InvalidGraph, InvalidProtobuf, NoSuchFile, OnnxJitError
from onnxjit.compiler.ir import Graph, Model, Node, ValueInfo


def load_model_proto(source: str | os.PathLike | bytes | ModelProto) -> tuple[ModelProto, str | None]:
    """Parse the source into a ModelProto with external data resolved; returns (proto, model_dir)."""
    if isinstance(source, ModelProto):
        proto, base = source, None
    elif isinstance(source, (bytes, bytearray, memoryview)):
        proto, base = _parse(bytes(source), "<bytes>"), None
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.isfile(path):
            raise NoSuchFile(f"Load model from {path} failed: file doesn't exist")
        with open(path, "rb") as f:
            proto = _parse(f.read(), path)
        base = os.path.dirname(os.path.abspath(path))
    else:
        raise TypeError(f"Unable to load from type '{type(source).__name__}'")
    if not proto.HasField("graph"):
        raise InvalidProtobuf("model has no graph (empty or not an ONNX model)")
    if any(_uses_external_data(t) for t in _all_tensors(proto.graph)):
        if base is None:
            raise Fail("model references external data but was not loaded from a path")
        try:
            _load_external(proto, base)
        except OnnxJitError:
            raise
        except Exception as exc:  # noqa: BLE001 - malformed external data info must not escape untyped
            raise InvalidGraph(f"external data cannot be loaded: {type(exc).__name__}: {exc}") from exc
    return proto, base


def _parse(data: bytes, where: str) -> ModelProto:
    proto = ModelProto()
    try:
        proto.ParseFromString(data)
    except Exception as exc:  # noqa: BLE001 - protobuf raises DecodeError and others
        raise InvalidProtobuf(f"Failed to load model {where} because protobuf parsing failed: {exc}") from exc
    if not data or not proto.HasField("graph"):
        raise InvalidProtobuf(f"Failed to load model {where}: protobuf holds no graph (truncated or not ONNX)")
    return proto


def _all_tensors(graph: GraphProto):
    yield from graph.initializer
    for node in graph.node:
        for a in node.attribute:
            if a.type == AttributeProto.TENSOR:
                yield a.t
            elif a.type == AttributeProto.GRAPH:
                yield from _all_tensors(a.g)
            elif a.type == AttributeProto.GRAPHS:
                for g in a.graphs:
                    yield from _all_tensors(g)


def _uses_external_data(t: onnx.TensorProto) -> bool:
    return t.data_location == onnx.TensorProto.EXTERNAL


def _load_external(proto: ModelProto, base: str) -> None:
    """Read each external tensor, refusing locations that escape the model's folder and offsets or
    lengths that are not numbers, are negative, disagree with the tensor's size or reach past the
    file (checked before anything is read: a huge length must not become a huge allocation)."""
    root = os.path.realpath(base)
    for t in _all_tensors(proto.graph):
        if not _uses_external_data(t):
            continue
        info = {e.key: e.value for e in t.external_data}
        location = info.get("location", "")
        if "\0" in location:
            raise InvalidGraph(f"external data location of tensor {t.name!r} contains a NUL character")
        target = os.path.realpath(os.path.join(root, location))
        if os.path.isabs(location) or os.path.commonpath([root, target]) != root:
            raise InvalidGraph(f"external data location {location!r} of tensor {t.name!r} escapes the model folder")
        if not os.path.isfile(target):
            raise NoSuchFile(f"external data file {location!r} of tensor {t.name!r} not found")
        offset = _external_int(info, "offset", t.name, 0)
        length = _external_int(info, "length", t.name, None)
        expected = _tensor_nbytes(t)
        if length is not None and expected is not None and length != expected:
            raise InvalidGraph(f"external data of tensor {t.name!r}: length {length} but the tensor's "
                               f"type and dims take {expected} bytes")
        if length is None:
            length = expected
        size = os.path.getsize(target)
        if offset > size or (length is not None and length > size - offset):
            raise InvalidGraph(f"external data of tensor {t.name!r} (offset {offset}, length {length}) "
                               f"reaches past the end of {location!r} ({size} bytes)")
        try:
            with open(target, "rb") as f:
                f.seek(offset)
                raw = f.read() if length is None else f.read(length)
        except OSError as exc:
            raise Fail(f"external data of tensor {t.name!r} cannot be read: {exc}") from exc
        if length is not None and len(raw) != length:
            raise InvalidGraph(f"external data of tensor {t.name!r} is truncated")
        t.raw_data = raw
        del t.external_data[:]
        t.data_location = onnx.TensorProto.DEFAULT


def _external_int(info: dict[str, str], key: str, tensor: str, default: int | None) -> int | None:
    if key not in info:
        return default
    try:
        value = int(info[key])
    except ValueError:
        value = -1
    if value < 0:
        raise InvalidGraph(f"external data {key} {info[key][:40]!r} of tensor {tensor!r} is not a non-negative integer")
    return value


def _tensor_nbytes(t: onnx.TensorProto) -> int | None:
    """Bytes the tensor's raw data takes, from its type and dims (None where that is not fixed)."""
    try:
        np_type = onnx.helper.tensor_dtype_to_np_dtype(t.data_type)
    except Exception:  # noqa: BLE001 - an unknown or variable-size type
        return None
    if t.data_type == onnx.TensorProto.STRING or any(d < 0 for d in t.dims):
        return None
    count = 1
    for d in t.dims:
        count *= int(d)
    if t.data_type in _PACKED_4BIT:
        return (count + 1) // 2
    return count * np.dtype(np_type).itemsize


_PACKED_4BIT = {getattr(onnx.TensorProto, n) for n in ("INT4", "UINT4", "FLOAT4E2M1") if hasattr(onnx.TensorProto, n)}


# --- proto -> IR -------------------------------------------------------------------------------

def to_array(t: onnx.TensorProto) -> np.ndarray:
    try:
        arr = numpy_helper.to_array(t)
    except Exception as exc:  # noqa: BLE001
        raise InvalidGraph(f"tensor {t.name!r} cannot be decoded: {exc}") from exc
    if arr.dtype.kind in "SU":
        arr = arr.astype(object)
    if arr.dtype == object:
        arr = np.vectorize(lambda s: s.decode("utf-8") if isinstance(s, bytes) else s, otypes=[object])(arr) if arr.size else arr
    return arr


def attribute_value(a: AttributeProto) -> Any:
    T = AttributeProto
    if a.type == T.FLOAT:
        return float(a.f)
    if a.type == T.INT:
        return int(a.i)
    if a.type == T.STRING:
        return a.s.decode("utf-8", errors="replace")
    if a.type == T.TENSOR:
        return to_array(a.t)
    if a.type == T.SPARSE_TENSOR:
        return sparse_to_dense(a.sparse_tensor)
    if a.type == T.GRAPH:
        return graph_from_proto(a.g)
    if a.type == T.FLOATS:
        return [float(x) for x in a.floats]
    if a.type == T.INTS:
        return [int(x) for x in a.ints]
    if a.type == T.STRINGS:
        return [s.decode("utf-8", errors="replace") for s in a.strings]
    if a.type == T.TENSORS:
        return [to_array(t) for t in a.tensors]
    if a.type == T.GRAPHS:
        return [graph_from_proto(g) for g in a.graphs]
    if a.type == T.TYPE_PROTO:
        return a.tp
    if a.type == T.TYPE_PROTOS:
        return list(a.type_protos)
    raise InvalidGraph(f"attribute {a.name!r} has unsupported type {a.type}")


def sparse_to_dense(sp: onnx.SparseTensorProto) -> np.ndarray:
    values = to_array(sp.values)
    indices = to_array(sp.indices).astype(np.int64)
    dims = tuple(sp.dims)
    dense = np.zeros(dims, dtype=values.dtype)
    if indices.ndim == 1:
        dense.reshape(-1)[indices] = values
    else:
        dense[tuple(indices.T)] = values
    return dense


def node_from_proto(n: onnx.NodeProto) -> Node:
    attrs = {}
    for a in n.attribute:
        if a.ref_attr_name:
            attrs[a.name] = RefAttr(a.ref_attr_name, a)
        else:
            attrs[a.name] = attribute_value(a)
    return Node(op_type=n.op_type, inputs=list(n.input), outputs=list(n.output), attrs=attrs,
                domain="" if n.domain == "ai.onnx" else n.domain, name=n.name)


class RefAttr:
    """An attribute inside a function body that refers to the caller's attribute."""

    def __init__(self, ref: str, proto: AttributeProto):
        self.ref, self.proto = ref, proto

    def __repr__(self) -> str:
        return f"RefAttr({self.ref!r})"


def graph_from_proto(g: GraphProto) -> Graph:
    inits = {t.name: to_array(t) for t in g.initializer}
    for sp in g.sparse_initializer:
        inits[sp.values.name] = sparse_to_dense(sp)
    names = [n.name for n in g.node]
    nodes = [node_from_proto(n) for n in g.node]
    # Give every node a unique, non-empty name: the plan and error messages refer to them.
    seen: set[str] = set()
    for i, (node, name) in enumerate(zip(nodes, names)):
        base = name or f"{node.op_type}_{i}"
        unique = base
        k = 1
        while unique in seen:
            unique, k = f"{base}_{k}", k + 1
        node.name = unique
        seen.add(unique)
    return Graph(
        name=g.name,
        nodes=nodes,
        inputs=[ValueInfo(v.name, v.type) for v in g.input],
        outputs=[ValueInfo(v.name, v.type) for v in g.output],
        initializers=inits,
        value_info={v.name: ValueInfo(v.name, v.type) for v in g.value_info},
        doc_string=g.doc_string,
    )


def model_from_proto(proto: ModelProto) -> Model:
    opsets: dict[str, int] = {}
    for o in proto.opset_import:
        opsets["" if o.domain == "ai.onnx" else o.domain] = int(o.version)
    if "" not in opsets and proto.ir_version < 3:
        opsets[""] = 1
    model = Model(
        graph=graph_from_proto(proto.graph),
        opsets=opsets,
        ir_version=proto.ir_version,
        producer_name=proto.producer_name,
        producer_version=proto.producer_version,
        domain=proto.domain,
        model_version=proto.model_version,
        doc_string=proto.doc_string,
        graph_description=proto.graph.doc_string,
        metadata_props={p.key: p.value for p in proto.metadata_props},
        functions={(f.domain, f.name): f for f in proto.functions},
    )
    return model


def load(source: str | os.PathLike | bytes | ModelProto) -> tuple[Model, ModelProto]:
    proto, _ = load_model_proto(source)
    try:
        return model_from_proto(proto), proto
    except (InvalidGraph, Fail):
        raise
    except Exception as exc:  # noqa: BLE001 - malformed content inside a parsable proto
        raise InvalidGraph(f"model cannot be read: {exc}") from exc
