"""ConvInteger: integer convolution of zero-point-shifted uint8/int8 tensors into int32."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._conv_common import conv_nd, conv_pads, spatial_list
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def shift(v: np.ndarray, zero_point: np.ndarray | None, channel_axis_len: int | None = None) -> np.ndarray:
    """v - zero_point in int64; a 1-D zero point of a weight applies per output channel."""
    v = v.astype(np.int64)
    if zero_point is None:
        return v
    zp = np.asarray(zero_point).astype(np.int64)
    if zp.ndim == 1 and zp.size > 1 and channel_axis_len is not None:
        zp = zp.reshape((-1,) + (1,) * (v.ndim - 1))
    else:
        zp = zp.reshape(-1)[0] if zp.size else np.int64(0)
    return v - zp


@register("ConvInteger", since=10)
class ConvInteger(OpDef):
    fusion = Fusion.TEMPLATE
    attrs = {"auto_pad": "NOTSET", "dilations": None, "group": 1, "kernel_shape": None, "pads": None, "strides": None}

    def reference(self, x: np.ndarray, w: np.ndarray, x_zero_point: np.ndarray | None = None,
                  w_zero_point: np.ndarray | None = None) -> np.ndarray:
        nd = x.ndim - 2
        strides = spatial_list(self.a.strides, nd, 1)
        dilations = spatial_list(self.a.dilations, nd, 1)
        begin, end = conv_pads(self.a.auto_pad, self.a.pads, x.shape[2:], list(w.shape[2:]), strides, dilations)
        xs = shift(x, x_zero_point)
        ws = shift(w, w_zero_point, w.shape[0])
        return conv_nd(xs, ws, strides, dilations, begin, end, int(self.a.group)).astype(np.int32)
