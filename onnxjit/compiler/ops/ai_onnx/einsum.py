"""Einsum: tensor contraction given by an Einstein-summation equation."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._norm_common import compute_dtype
from onnxjit.compiler.ops.registry import REQUIRED, OpDef, register


@register("Einsum", since=12)
class Einsum(OpDef):
    attrs = {"equation": REQUIRED}

    def reference(self, *inputs: np.ndarray) -> np.ndarray:
        equation = self.a.equation
        equation = equation.decode() if isinstance(equation, bytes) else equation
        work = compute_dtype(inputs[0].dtype)
        args = [x.astype(work, copy=False) for x in inputs]
        out = np.einsum(equation.replace(" ", ""), *args, optimize=len(args) > 2)
        return np.asarray(out).astype(inputs[0].dtype, copy=False)
