"""Identity: return the input unchanged (tensor, sequence or optional)."""
from typing import Any

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Identity", since=1)
class Identity(OpDef):
    fusion = Fusion.ELEMENTWISE
    returns_list = False  # a sequence input comes back as one output, not several

    def reference(self, x: Any) -> Any:
        return list(x) if isinstance(x, list) else x

    def expr(self, x: prims.Expr) -> prims.Expr:
        return x
