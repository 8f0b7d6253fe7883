"""Col2Im: rearrange column blocks (N, C*prod(block), L) into an image, summing overlaps."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._conv_common import col2im_add, pad_spatial, spatial_list
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("Col2Im", since=18)
class Col2Im(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"dilations": None, "pads": None, "strides": None}

    def reference(self, x: np.ndarray, image_shape: np.ndarray, block_shape: np.ndarray) -> np.ndarray:
        image = [int(v) for v in np.asarray(image_shape).reshape(-1)]
        block = [int(v) for v in np.asarray(block_shape).reshape(-1)]
        nd = len(image)
        strides = spatial_list(self.a.strides, nd, 1)
        dilations = spatial_list(self.a.dilations, nd, 1)
        pads = spatial_list(self.a.pads, 2 * nd, 0)
        begin, end = pads[:nd], pads[nd:]
        blocks = [
            (image[i] + begin[i] + end[i] - (block[i] - 1) * dilations[i] - 1) // strides[i] + 1 for i in range(nd)
        ]
        n = x.shape[0]
        k = int(np.prod(block))
        cols = x.reshape(n, x.shape[1] // k, *block, *blocks)
        full = [image[i] + begin[i] + end[i] for i in range(nd)]
        img = col2im_add(cols, full, strides, dilations)
        return np.ascontiguousarray(pad_spatial(img, [-b for b in begin], [-e for e in end]))
