"""CenterCropPad: center-crop or zero-pad the chosen axes to a target shape."""
from typing import Optional

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("CenterCropPad", since=18)
class CenterCropPad(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"axes": None}

    def reference(self, x: np.ndarray, shape: np.ndarray) -> np.ndarray:
        axes = range(x.ndim) if self.a.axes is None else [a % x.ndim for a in self.a.axes]
        src = [slice(None)] * x.ndim
        dst = [slice(None)] * x.ndim
        out_shape = list(x.shape)
        for axis, size in zip(axes, shape.reshape(-1)):
            dim, size = x.shape[axis], int(size)
            out_shape[axis] = size
            if size < dim:
                begin = (dim - size) // 2
                src[axis] = slice(begin, begin + size)
            elif size > dim:
                begin = (size - dim) // 2
                dst[axis] = slice(begin, begin + dim)
        out = np.zeros(out_shape, dtype=x.dtype)
        out[tuple(dst)] = x[tuple(src)]
        return out
