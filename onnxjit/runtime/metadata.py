"""NodeArg and ModelMetadata, as onnxruntime exposes them."""
from __future__ import annotations

from dataclasses import dataclass, field

from onnx import TypeProto

from onnxjit.compiler.dtypes import ort_type_name


def ort_type_string(tp: TypeProto | None) -> str:
    """'tensor(float)', 'seq(tensor(int64))', 'optional(tensor(float))', 'map(string,tensor(float))'."""
    if tp is None:
        return "unknown"
    kind = tp.WhichOneof("value")
    if kind == "tensor_type":
        return f"tensor({ort_type_name(tp.tensor_type.elem_type)})"
    if kind == "sparse_tensor_type":
        return f"sparse_tensor({ort_type_name(tp.sparse_tensor_type.elem_type)})"
    if kind == "sequence_type":
        return f"seq({ort_type_string(tp.sequence_type.elem_type)})"
    if kind == "optional_type":
        return f"optional({ort_type_string(tp.optional_type.elem_type)})"
    if kind == "map_type":
        return f"map({ort_type_name(tp.map_type.key_type)},{ort_type_string(tp.map_type.value_type)})"
    return "unknown"


class NodeArg:
    """Name, type string and shape (ints, dim-param strings or None) of a model input or output."""

    def __init__(self, name: str, type_: str, shape: list | None):
        self._name, self._type, self._shape = name, type_, shape

    @property
    def name(self) -> str:
        return self._name

    @property
    def type(self) -> str:
        return self._type

    @property
    def shape(self) -> list | None:
        return self._shape

    def __repr__(self) -> str:
        return f"NodeArg(name='{self._name}', type='{self._type}', shape={self._shape})"

    def __str__(self) -> str:
        return self.__repr__()


@dataclass
class ModelMetadata:
    producer_name: str = ""
    graph_name: str = ""
    domain: str = ""
    description: str = ""
    graph_description: str = ""
    version: int = 0
    custom_metadata_map: dict[str, str] = field(default_factory=dict)
