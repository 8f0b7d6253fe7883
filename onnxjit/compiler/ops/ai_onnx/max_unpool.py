"""MaxUnpool: scatter pooled values back to their (flat) argmax positions, zeros elsewhere."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._conv_common import spatial_list
from onnxjit.compiler.ops.ai_onnx._pool_common import check_pool_attributes
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("MaxUnpool", since=9)
class MaxUnpool(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"kernel_shape": REQUIRED, "pads": None, "strides": None}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        check_pool_attributes(self, negative_pads=True)  # at load, as onnxruntime's MaxUnpool does

    def reference(self, x: np.ndarray, indices: np.ndarray, output_shape: np.ndarray | None = None) -> np.ndarray:
        nd = x.ndim - 2
        kernel = [int(k) for k in self.a.kernel_shape]
        strides = spatial_list(self.a.strides, nd, 1)
        pads = spatial_list(self.a.pads, 2 * nd, 0)
        inferred = list(x.shape[:2]) + [
            (x.shape[2 + i] - 1) * strides[i] - pads[i] - pads[nd + i] + kernel[i] for i in range(nd)
        ]
        flat = np.zeros(int(np.prod(inferred)), dtype=x.dtype)
        flat[indices.reshape(-1).astype(np.int64)] = x.reshape(-1)
        y = flat.reshape(inferred)
        if output_shape is None:
            return y
        # Indices address the inferred shape; the requested shape is filled from its origin.
        shape = [int(v) for v in np.asarray(output_shape).reshape(-1)]
        res = np.zeros(shape, dtype=x.dtype)
        common = tuple(slice(0, min(a, b)) for a, b in zip(inferred, shape))
        res[common] = y[common]
        return res
