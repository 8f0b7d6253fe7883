"""BitwiseXor: elementwise bitwise exclusive or of two integer tensors, with broadcasting."""
import numpy as np

from onnxjit.compiler import prims
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("BitwiseXor", since=18)
class BitwiseXor(OpDef):
    fusion = Fusion.ELEMENTWISE

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(np.bitwise_xor(a, b), dtype=a.dtype)

    def expr(self, a: prims.Expr, b: prims.Expr) -> prims.Expr:
        return prims.binary(prims.Prim.BITXOR, a, b)
