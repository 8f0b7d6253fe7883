"""ArgMin: index of the smallest element along an axis (first or last occurrence)."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx.arg_max import arg_extreme
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("ArgMin", since=1)
class ArgMin(OpDef):
    fusion = Fusion.REDUCTION
    attrs = {"axis": 0, "keepdims": 1, "select_last_index": 0}

    def reference(self, x: np.ndarray) -> np.ndarray:
        return arg_extreme(x, self.a.axis, self.a.keepdims, self.a.select_last_index, np.argmin)
