"""CastLike: convert a tensor to the element type of a second tensor (see Cast)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.ai_onnx.cast import cast_array
from onnxjit.compiler.ops.registry import Fusion, OpDef, register

_PLAIN = {np.dtype(t) for t in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                                np.uint32, np.uint64, np.float16, np.float32, np.float64)}


@register("CastLike", since=15)
class CastLike(OpDef):
    fusion = Fusion.ELEMENTWISE
    attrs = {"saturate": 1, "round_mode": "up"}

    def reference(self, x: np.ndarray, like: np.ndarray) -> np.ndarray:
        return cast_array(x, like.dtype, bool(self.a.saturate), self.a.round_mode)

    def expr(self, x: prims.Expr, like: prims.Expr) -> prims.Expr:
        if like.dtype not in _PLAIN or x.dtype not in _PLAIN:
            raise NotImplementedError(f"CastLike {x.dtype} -> {like.dtype} has no scalar expression")
        return prims.cast(x, like.dtype)
