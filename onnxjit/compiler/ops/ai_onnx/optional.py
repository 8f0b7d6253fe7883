"""Optional: wrap a tensor or sequence as an optional value (empty when no input is given)."""
from __future__ import annotations

from typing import Any

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Optional", since=15)
class Optional(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"type": None}
    returns_list = False

    def reference(self, x: Any = None) -> Any:
        return x
