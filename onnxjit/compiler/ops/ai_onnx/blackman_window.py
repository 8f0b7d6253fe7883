"""BlackmanWindow: 0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N) window of the given size."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._window import cosine_window
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("BlackmanWindow", since=17)
class BlackmanWindow(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"periodic": 1, "output_datatype": 1}

    def reference(self, size: np.ndarray) -> np.ndarray:
        return cosine_window(size, self.a.periodic, self.a.output_datatype, (0.42, 0.5, 0.08))
