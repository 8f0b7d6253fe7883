"""LabelEncoder: map each key (string, int or float) to a value through a fixed table, else a default."""
from __future__ import annotations

from typing import Any

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def _first(*candidates: Any) -> Any:
    for c in candidates:
        if c is not None:
            return c
    return None


@register("LabelEncoder", since=1, domain="ai.onnx.ml")
class LabelEncoder(OpDef):
    """Versions 1-4: keys/values as typed lists (v2) or tensors (v4); v1's `classes_strings` too."""

    fusion = Fusion.OPAQUE
    attrs = {"keys_strings": None, "keys_int64s": None, "keys_floats": None, "keys_tensor": None,
             "values_strings": None, "values_int64s": None, "values_floats": None, "values_tensor": None,
             "default_string": "_Unused", "default_int64": -1, "default_float": -0.0,
             "default_tensor": None, "classes_strings": None}

    def _table(self) -> tuple[list[Any], list[Any], Any, np.dtype]:
        a = self.a
        if a.classes_strings is not None and a.keys_strings is None and a.values_strings is None:
            # version 1: strings ↔ their int64 position, in whichever direction the input asks
            classes = list(a.classes_strings)
            return classes, list(range(len(classes))), None, np.dtype(object)
        keys = _first(a.keys_tensor, a.keys_strings, a.keys_int64s, a.keys_floats)
        keys = list(np.asarray(keys).reshape(-1).tolist()) if keys is not None else []
        if a.values_tensor is not None:
            vals = np.asarray(a.values_tensor).reshape(-1)
            if a.default_tensor is not None:
                default = np.asarray(a.default_tensor).reshape(-1)[0]
            else:
                default = "_Unused" if vals.dtype == object else vals.dtype.type(-1 if vals.dtype.kind in "iu" else -0.0)
            return keys, vals.tolist(), default, vals.dtype
        if a.values_strings is not None:
            return keys, list(a.values_strings), a.default_string, np.dtype(object)
        if a.values_int64s is not None:
            return keys, list(a.values_int64s), a.default_int64, np.dtype(np.int64)
        return keys, list(a.values_floats or []), a.default_float, np.dtype(np.float32)

    def reference(self, x: np.ndarray) -> np.ndarray:
        keys, vals, default, out_dtype = self._table()
        if self.a.classes_strings is not None and self.a.keys_strings is None and self.a.values_strings is None:
            if x.dtype == object:  # string → index
                table = {k: v for k, v in zip(keys, vals)}
                default, out_dtype = self.a.default_int64, np.dtype(np.int64)
            else:                  # index → string
                table = {v: k for k, v in zip(keys, vals)}
                default, out_dtype = self.a.default_string, np.dtype(object)
        else:
            table = {k: v for k, v in zip(keys, vals)}
        nan_value = next((v for k, v in zip(keys, vals) if isinstance(k, float) and k != k), None)
        flat = x.reshape(-1).tolist()
        out = []
        for item in flat:
            if isinstance(item, float) and item != item:
                out.append(nan_value if nan_value is not None else default)
            else:
                out.append(table.get(item, default))
        return np.array(out, dtype=out_dtype).reshape(x.shape)
