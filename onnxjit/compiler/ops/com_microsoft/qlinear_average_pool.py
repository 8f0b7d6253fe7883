"""QLinearAveragePool: average pooling of a quantized NCHW (or NHWC) tensor, requantized to Y's params."""
from __future__ import annotations

import itertools
import math

import numpy as np

from onnxjit.compiler.ops.com_microsoft._qlinear import deq, req
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


def _geometry(size: int, k: int, s: int, pb: int, pe: int, ceil: bool) -> tuple[int, int]:
    """(output length, extra trailing positions beyond the explicit padding) of one spatial axis."""
    span = size + pb + pe - k
    out = (math.ceil(span / s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= size + pb:  # the last window must start inside input or left padding
        out -= 1
    extra = max(0, (out - 1) * s + k - (size + pb + pe))
    return out, extra


def average_pool(x: np.ndarray, kernel: list[int], strides: list[int], pads: list[int],
                 ceil: bool, include_pad: bool) -> np.ndarray:
    """N-D average pooling of NC... float32 data (float32 sums, as onnxruntime); pads = [begin..., end...]."""
    nd = len(kernel)
    sp = x.shape[2:]
    geo = [_geometry(sp[i], kernel[i], strides[i], pads[i], pads[i + nd], ceil) for i in range(nd)]
    widths = [(0, 0), (0, 0)] + [(pads[i], pads[i + nd] + geo[i][1]) for i in range(nd)]
    data = np.pad(x, widths)
    real = np.pad(np.ones(sp, dtype=np.float32), widths[2:])  # 1 on input positions
    total = np.zeros(x.shape[:2] + tuple(g[0] for g in geo), dtype=np.float32)
    count = np.zeros(tuple(g[0] for g in geo), dtype=np.float32)
    for offs in itertools.product(*(range(k) for k in kernel)):
        idx = tuple(slice(o, o + (g[0] - 1) * s + 1, s) for o, g, s in zip(offs, geo, strides))
        total += data[(slice(None), slice(None)) + idx]
        count += real[idx]
    if include_pad:  # onnxruntime divides by the whole kernel size, even where it overhangs
        count[...] = np.float32(np.prod(kernel))
    return total / np.maximum(count, np.float32(1))


def _same_pads(sp: tuple[int, ...], kernel: list[int], strides: list[int], upper: bool) -> list[int]:
    begin, end = [], []
    for n, k, s in zip(sp, kernel, strides):
        total = max(0, (math.ceil(n / s) - 1) * s + k - n)
        small = total // 2
        begin.append(small if upper else total - small)
        end.append(total - small if upper else small)
    return begin + end


@register("QLinearAveragePool", since=1, domain="com.microsoft")
class QLinearAveragePool(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"auto_pad": "NOTSET", "ceil_mode": 0, "channels_last": 0, "count_include_pad": 0,
             "kernel_shape": REQUIRED, "pads": None, "strides": None}

    def reference(self, x, x_scale, x_zero_point, y_scale, y_zero_point=None):
        v = deq(x, x_scale, x_zero_point)
        if self.a.channels_last:
            v = np.moveaxis(v, -1, 1)
        kernel = list(self.a.kernel_shape)
        nd = len(kernel)
        strides = list(self.a.strides or [1] * nd)
        pads = list(self.a.pads or [0] * (2 * nd))
        if self.a.auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            pads = _same_pads(v.shape[2:], kernel, strides, self.a.auto_pad == "SAME_UPPER")
        elif self.a.auto_pad == "VALID":
            pads = [0] * (2 * nd)
        y = average_pool(v, kernel, strides, pads, bool(self.a.ceil_mode), bool(self.a.count_include_pad))
        if self.a.channels_last:
            y = np.moveaxis(y, 1, -1)
        return req(y, y_scale, y_zero_point, x.dtype, zp_first=True)
