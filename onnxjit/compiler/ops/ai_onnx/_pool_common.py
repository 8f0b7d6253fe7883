"""Shared helpers for pooling ops: window geometry (pads, ceil_mode, auto_pad) and window sweeps."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from onnxjit.compiler.ops.ai_onnx._conv_common import pad_spatial, spatial_list
from onnxjit.errors import Fail


def check_pool_attributes(op: Any, negative_pads: bool = False) -> None:
    """Reject, when the node is built (session load), the attributes onnxruntime's PoolAttributes refuses:
    kernel_shape/strides/dilations not positive or of different lengths, pads negative (unless
    `negative_pads`: MaxUnpool takes them), of the wrong length or not smaller than the kernel."""
    a, name = op.a, f"{op.op_type} node '{op.node_name}'"
    kernel = [int(k) for k in a.kernel_shape]
    nd = len(kernel)
    if any(k <= 0 for k in kernel):
        raise Fail(f"{name}: kernel_shape must only contain positive values, got {kernel}")
    for attr in ("strides", "dilations"):
        vals = getattr(a, attr, None)
        if vals is None or len(vals) == 0:
            continue
        vals = [int(v) for v in vals]
        if len(vals) != nd:
            raise Fail(f"{name}: {attr} {vals} must have one value per spatial dim of kernel_shape {kernel}")
        if any(v <= 0 for v in vals):
            raise Fail(f"{name}: all {attr} values must be positive, got {vals}")
    pads = getattr(a, "pads", None)
    if pads is not None and len(pads) > 0:
        pads = [int(v) for v in pads]
        if len(pads) != 2 * nd:
            raise Fail(f"{name}: 'pads' must have twice the kernel_shape rank (2 entries per spatial dim), "
                       f"got {len(pads)} for kernel_shape {kernel}")
        if getattr(a, "auto_pad", "NOTSET") == "NOTSET":
            if any(v < 0 for v in pads) and not negative_pads:
                raise Fail(f"{name}: pad values must be non-negative, got {pads}")
            if any(pads[i] >= kernel[i % nd] for i in range(2 * nd)):
                raise Fail(f"{name}: pad should be smaller than kernel, got pads {pads} and kernel_shape {kernel}")


def output_size(span: int, stride: int) -> int:
    """onnxruntime's (and onnx's) floor-mode output size: span // stride + 1 with C++ division, which
    truncates toward zero, so a window up to one stride larger than the padded input still gives one
    output (clipped to the input); a negative size is an error."""
    quotient = -((-span) // stride) if span < 0 else span // stride
    return quotient + 1


@dataclass(frozen=True)
class Window:
    """Geometry of a pooling window sweep over the spatial axes."""

    in_shape: tuple[int, ...]
    kernel: tuple[int, ...]
    strides: tuple[int, ...]
    dilations: tuple[int, ...]
    begin: tuple[int, ...]  # explicit (or auto) pads before
    end: tuple[int, ...]  # explicit (or auto) pads after
    out_shape: tuple[int, ...]

    @property
    def extra_end(self) -> tuple[int, ...]:
        """Padding after the input so that every window (ceil_mode included) lies inside the buffer."""
        res = []
        for i in range(len(self.in_shape)):
            need = (self.out_shape[i] - 1) * self.strides[i] + (self.kernel[i] - 1) * self.dilations[i] + 1
            res.append(max(self.end[i], need - self.in_shape[i] - self.begin[i]))
        return tuple(res)


def pool_window(attrs: Any, in_shape: Sequence[int], kernel: Sequence[int] | None = None) -> Window:
    """Resolve kernel_shape/strides/dilations/pads/auto_pad/ceil_mode attributes into a Window."""
    nd = len(in_shape)
    kernel = [int(k) for k in (kernel if kernel is not None else attrs.kernel_shape)]
    if len(kernel) != nd:
        raise Fail(f"kernel_shape {kernel} is not compatible with the input's {nd} spatial dims")
    strides = spatial_list(getattr(attrs, "strides", None), nd, 1)
    dilations = spatial_list(getattr(attrs, "dilations", None), nd, 1)
    ceil_mode = bool(getattr(attrs, "ceil_mode", 0))
    auto_pad = getattr(attrs, "auto_pad", "NOTSET")
    dk = [(kernel[i] - 1) * dilations[i] + 1 for i in range(nd)]
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        out = [-(-in_shape[i] // strides[i]) for i in range(nd)]
        begin, end = [], []
        for i in range(nd):
            total = max(0, (out[i] - 1) * strides[i] + dk[i] - in_shape[i])
            small = total // 2
            b = small if auto_pad == "SAME_UPPER" else total - small
            begin.append(b)
            end.append(total - b)
    else:
        if auto_pad == "VALID":
            begin, end = [0] * nd, [0] * nd
        else:
            p = spatial_list(getattr(attrs, "pads", None), 2 * nd, 0)
            begin, end = p[:nd], p[nd:]
        out = []
        for i in range(nd):
            span = in_shape[i] + begin[i] + end[i] - dk[i]
            if ceil_mode:
                o = -(-span // strides[i]) + 1
                # The last window must start inside the input or its left padding.
                if (o - 1) * strides[i] >= in_shape[i] + begin[i]:
                    o -= 1
            else:
                o = output_size(span, strides[i])
            if o < 0:
                raise Fail(f"Calculated output dimension is negative: input {tuple(in_shape)}, kernel_shape {kernel}, "
                           f"pads {begin + end}, strides {strides}, dilations {dilations}")
            out.append(o)
    return Window(tuple(in_shape), tuple(kernel), tuple(strides), tuple(dilations), tuple(begin), tuple(end),
                  tuple(out))


def padded(x: np.ndarray, win: Window, value: Any) -> np.ndarray:
    """x padded on the spatial axes so that every window fits."""
    return pad_spatial(x, list(win.begin), list(win.extra_end), value)


def window_slices(xp: np.ndarray, win: Window) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
    """(kernel offset, strided view of xp: one element per output position) for each kernel offset."""
    for offs in itertools.product(*(range(k) for k in win.kernel)):
        src = tuple(
            slice(o * d, o * d + s * (out - 1) + 1, s)
            for o, d, s, out in zip(offs, win.dilations, win.strides, win.out_shape)
        )
        yield offs, xp[(Ellipsis,) + src]


def window_counts(win: Window, include_pad: bool) -> np.ndarray:
    """Per output position, how many window elements lie in the input (or in input + explicit pads)."""
    total = np.ones((), dtype=np.int64)
    for i in range(len(win.in_shape)):
        lo, hi = (-win.begin[i], win.in_shape[i] + win.end[i]) if include_pad else (0, win.in_shape[i])
        starts = np.arange(win.out_shape[i]) * win.strides[i] - win.begin[i]
        pos = starts[:, None] + np.arange(win.kernel[i])[None, :] * win.dilations[i]
        cnt = ((pos >= lo) & (pos < hi)).sum(axis=1)
        total = np.multiply.outer(total, cnt)
    return total


def work_dtype(dtype: np.dtype) -> np.dtype:
    """Accumulation dtype for averaging pools (float16/bfloat16 widen to float32)."""
    return np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)


def sum_pool(x: np.ndarray, win: Window, power: float | None = None) -> np.ndarray:
    """Sum over each window of x (or of |x|**power), in work_dtype; padding contributes zero."""
    xw = x.astype(work_dtype(x.dtype), copy=False)
    if power is not None:
        xw = np.abs(xw) ** xw.dtype.type(power)
    xp = padded(xw, win, 0)
    acc = np.zeros(x.shape[:2] + win.out_shape, dtype=xw.dtype)
    for _, view in window_slices(xp, win):
        acc += view
    return acc
