"""Free-dimension overrides by denotation (`SessionOptions.add_free_dimension_override_by_denotation`).

onnxruntime pins every graph-input dim whose `denotation` (DATA_BATCH, DATA_CHANNEL, ...) has an
override to that size before it infers shapes, so that the pinned size flows to every value and to
the NodeArgs; a dim that already has another fixed size is an invalid override. This runs on the
ModelProto, before shape inference, for the same effect. (Overrides by dim_param name are applied
where the names are read: NodeArgs and feed checks.)
"""
from __future__ import annotations

from onnx import ModelProto, TypeProto

from onnxjit.errors import InvalidArgument


def pin_dims_by_denotation(proto: ModelProto, overrides: dict[str, int]) -> ModelProto:
    """`proto`, or a copy of it with the overridden graph-input dims fixed (the caller's proto is
    never modified)."""
    if not overrides or not any(_tensor_dims(vi.type, overrides) for vi in proto.graph.input):
        return proto
    copy = ModelProto()
    copy.CopyFrom(proto)
    for vi in copy.graph.input:
        for dim in _tensor_dims(vi.type, overrides):
            size = overrides[dim.denotation]
            if dim.HasField("dim_value") and dim.dim_value != size:
                raise InvalidArgument(
                    f"Invalid free dimension override. The model has input '{vi.name}' with a fixed dimension "
                    f"size {dim.dim_value} which does not equal the specified override of {size} "
                    f"(denotation {dim.denotation}).")
            dim.dim_value = size  # clears dim_param (a oneof)
    return copy


def _tensor_dims(tp: TypeProto, overrides: dict[str, int]) -> list:
    """The dims of a tensor (or optional tensor) type whose denotation has an override."""
    if tp.HasField("optional_type") and tp.optional_type.elem_type.HasField("tensor_type"):
        tp = tp.optional_type.elem_type
    if not tp.HasField("tensor_type") or not tp.tensor_type.HasField("shape"):
        return []
    return [d for d in tp.tensor_type.shape.dim if d.denotation and d.denotation in overrides]
