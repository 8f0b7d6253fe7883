"""MatMulInteger: int32 matrix product of 8-bit integers after subtracting their zero points."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("MatMulInteger", since=10)
class MatMulInteger(OpDef):
    fusion = Fusion.TEMPLATE

    def reference(self, a: np.ndarray, b: np.ndarray, a_zero: np.ndarray | None = None,
                  b_zero: np.ndarray | None = None) -> np.ndarray:
        a32 = a.astype(np.int32)
        b32 = b.astype(np.int32)
        if a_zero is not None:
            # A per-row zero point (shape [M]) applies along A's rows.
            az = a_zero.astype(np.int32)
            a32 = a32 - (az.reshape(-1, 1) if az.ndim == 1 and az.size > 1 else az)
        if b_zero is not None:
            b32 = b32 - b_zero.astype(np.int32)  # scalar or per-column [N]
        return np.matmul(a32, b32).astype(np.int32)
