"""OptionalGetElement: the value inside a non-empty optional (a plain tensor or sequence passes through)."""
from __future__ import annotations

from typing import Any

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("OptionalGetElement", since=15)
class OptionalGetElement(OpDef):
    fusion = Fusion.OPAQUE
    returns_list = False

    def reference(self, x: Any = None) -> Any:
        if x is None:
            raise ValueError("OptionalGetElement on an empty optional")
        return x
