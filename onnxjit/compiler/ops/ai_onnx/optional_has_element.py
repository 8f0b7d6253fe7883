"""OptionalHasElement: whether an optional (or a possibly-missing input) holds a value, as a bool scalar."""
from __future__ import annotations

from typing import Any

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("OptionalHasElement", since=15)
class OptionalHasElement(OpDef):
    fusion = Fusion.OPAQUE

    def reference(self, x: Any = None) -> np.ndarray:
        return np.array(x is not None)
