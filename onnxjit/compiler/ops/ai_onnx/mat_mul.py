"""MatMul: numpy-style matrix product with batch broadcasting (1-D operands promoted and squeezed)."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._norm_common import compute_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("MatMul", since=1)
class MatMul(OpDef):
    fusion = Fusion.TEMPLATE

    def reference(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        work = compute_dtype(a.dtype)
        out = np.matmul(a.astype(work, copy=False), b.astype(work, copy=False))
        return np.asarray(out).astype(a.dtype, copy=False)
