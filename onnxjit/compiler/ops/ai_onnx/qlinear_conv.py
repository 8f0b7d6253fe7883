"""QLinearConv: quantized convolution (int arithmetic, requantized with round-half-even + saturation)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._conv_common import conv_nd, conv_pads, spatial_list
from onnxjit.compiler.ops.ai_onnx.conv_integer import shift
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("QLinearConv", since=10)
class QLinearConv(OpDef):
    fusion = Fusion.TEMPLATE
    attrs = {"auto_pad": "NOTSET", "dilations": None, "group": 1, "kernel_shape": None, "pads": None, "strides": None}

    def reference(self, x: np.ndarray, x_scale: np.ndarray, x_zero_point: np.ndarray, w: np.ndarray,
                  w_scale: np.ndarray, w_zero_point: np.ndarray, y_scale: np.ndarray,
                  y_zero_point: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        nd = x.ndim - 2
        strides = spatial_list(self.a.strides, nd, 1)
        dilations = spatial_list(self.a.dilations, nd, 1)
        begin, end = conv_pads(self.a.auto_pad, self.a.pads, x.shape[2:], list(w.shape[2:]), strides, dilations)
        acc = conv_nd(shift(x, x_zero_point), shift(w, w_zero_point, w.shape[0]), strides, dilations, begin, end,
                      int(self.a.group))
        bshape = (1, -1) + (1,) * nd
        if b is not None:
            acc = acc + b.astype(np.int64).reshape(bshape)
        scale = (np.asarray(x_scale, np.float32).reshape(-1) * np.asarray(w_scale, np.float32).reshape(-1)
                 / np.asarray(y_scale, np.float32).reshape(-1))
        scale = scale.reshape(bshape) if scale.size > 1 else scale.reshape(())
        y = np.rint(acc.astype(np.float64) * scale.astype(np.float64))
        out_dtype = np.asarray(y_zero_point).dtype if y_zero_point is not None else x.dtype
        y = y + (np.asarray(y_zero_point).astype(np.int64).reshape(-1)[0] if y_zero_point is not None else 0)
        info = np.iinfo(out_dtype)
        return np.clip(y, info.min, info.max).astype(out_dtype)
