"""Gemm: alpha * op(A) @ op(B) + beta * C, op transposing when transA/transB; C optional and broadcast."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._norm_common import compute_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register
from onnxjit.errors import Fail, InvalidArgument


@register("Gemm", since=1)
class Gemm(OpDef):
    fusion = Fusion.TEMPLATE
    attrs = {"alpha": 1.0, "beta": 1.0, "transA": 0, "transB": 0}

    def reference(self, a: np.ndarray, b: np.ndarray, c: np.ndarray | None = None) -> np.ndarray:
        if a.ndim != 2 or b.ndim != 2:
            # ONNX: A is (M, K) and B (K, N). onnxruntime refuses other ranks too, at load when the model
            # declares them; only a 1-D A of undeclared rank slips through its GemmHelper, as a (1, K) row,
            # where onnx.reference gives (N,): a quirk not followed, so every provider refuses it alike.
            raise Fail(f"Gemm node '{self.node_name}': A and B must be matrices, got A {a.shape} and B {b.shape}")
        ka, kb = a.shape[0 if self.a.transA else 1], b.shape[1 if self.a.transB else 0]
        if ka != kb:
            raise InvalidArgument(f"Gemm node '{self.node_name}': dimension mismatch, A {a.shape}, B {b.shape} "
                                  f"(transA={self.a.transA}, transB={self.a.transB})")
        out_dtype, work = a.dtype, compute_dtype(a.dtype)
        a = a.astype(work, copy=False)
        b = b.astype(work, copy=False)
        y = np.matmul(a.T if self.a.transA else a, b.T if self.a.transB else b)
        if self.a.alpha != 1.0:
            y = y * work.type(self.a.alpha)
        if c is not None and self.a.beta != 0.0:
            c = c.astype(work, copy=False)
            y = y + (c * work.type(self.a.beta) if self.a.beta != 1.0 else c)
        return np.asarray(y).astype(out_dtype, copy=False)
