"""BitCast: reinterpret each element's bits (little endian) as the same-width type `to`."""
import numpy as np

from onnxjit.compiler.dtypes import to_numpy_dtype
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("BitCast", since=26)
class BitCast(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"to": REQUIRED}

    def reference(self, x: np.ndarray) -> np.ndarray:
        target = to_numpy_dtype(int(self.a.to))
        if target == object or x.dtype == object or target.itemsize != x.dtype.itemsize:
            raise ValueError(f"BitCast from {x.dtype} to {target}: types must be numeric of equal width")
        src = np.ascontiguousarray(x)
        if src.dtype.byteorder == ">":
            src = src.astype(src.dtype.newbyteorder("<"))
        return src.view(target).reshape(x.shape)
