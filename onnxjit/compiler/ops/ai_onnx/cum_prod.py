"""CumProd: running product along an axis, optionally exclusive and/or reversed."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx.cum_sum import cumulate
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("CumProd", since=26)
class CumProd(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"exclusive": 0, "reverse": 0}

    def reference(self, x: np.ndarray, axis: np.ndarray) -> np.ndarray:
        return cumulate(x, axis, self.a.exclusive, self.a.reverse, np.multiply)
