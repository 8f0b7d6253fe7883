"""Constant: a tensor given by exactly one of its value attributes."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Constant", since=1)
class Constant(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"value": None, "sparse_value": None, "value_float": None, "value_floats": None,
             "value_int": None, "value_ints": None, "value_string": None, "value_strings": None}

    def reference(self) -> np.ndarray:
        a = self.a
        if a.value is not None:
            return np.array(a.value)
        if a.sparse_value is not None:
            return np.array(a.sparse_value)
        if a.value_float is not None:
            return np.array(a.value_float, dtype=np.float32)
        if a.value_floats is not None:
            return np.array(a.value_floats, dtype=np.float32)
        if a.value_int is not None:
            return np.array(a.value_int, dtype=np.int64)
        if a.value_ints is not None:
            return np.array(a.value_ints, dtype=np.int64)
        if a.value_string is not None:
            return np.array(a.value_string, dtype=object)
        if a.value_strings is not None:
            return np.array(a.value_strings, dtype=object)
        raise ValueError(f"Constant node {self.node_name} has no value attribute")
