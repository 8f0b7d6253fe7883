"""Shared helpers for convolution-like ops: padding rules, im2col / col2im, grouped GEMM."""
from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np

from onnxjit.errors import InvalidArgument


def spatial_list(value: Sequence[int] | None, nd: int, default: int) -> list[int]:
    """An attribute list of length `nd`, or `default` repeated when absent/empty."""
    if value is None or len(value) == 0:
        return [default] * nd
    return [int(v) for v in value]


AUTO_PADS = ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID")


def conv_attr_problem(nd: int, kernel: Sequence[int], kernel_attr: Sequence[int] | None, strides: Sequence[int] | None,
                      dilations: Sequence[int] | None, pads: Sequence[int] | None, group: int, auto_pad: str,
                      pads_may_be_negative: bool = False) -> str | None:
    """What is wrong with a conv's (or pool's) attributes for `nd` spatial dims, as onnxruntime's
    checks word it, or None. `kernel` is the weight's spatial shape (a pool's kernel_shape)."""
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
    if auto_pad not in AUTO_PADS:
        return f"auto_pad {auto_pad!r} is not one of {', '.join(AUTO_PADS)}"
    if kernel_attr:
        if len(kernel_attr) != nd:
            return f"Attribute kernel_shape has incorrect size ({len(kernel_attr)}, expected {nd})"
        if [int(k) for k in kernel_attr] != [int(k) for k in kernel]:
            return f"kernel_shape {list(kernel_attr)} is not compatible with W shape's spatial dims {list(kernel)}"
    if any(int(k) <= 0 for k in kernel):
        return f"kernel_shape must only contain positive values, got {list(kernel)}"
    for name, vals, n in (("strides", strides, nd), ("dilations", dilations, nd), ("pads", pads, 2 * nd)):
        if vals:
            if len(vals) != n:
                return f"Attribute {name} has incorrect size ({len(vals)}, expected {n})"
            if name != "pads" and any(int(v) <= 0 for v in vals):
                return f"Attribute {name} must only contain positive values, got {list(vals)}"
            if name == "pads" and not pads_may_be_negative and any(int(v) < 0 for v in vals):
                return f"Attribute pads must not contain negative values, got {list(vals)}"
    if int(group) < 1:
        return f"group must be positive, got {group}"
    return None


def conv_shape_problem(x_shape: Sequence, w_shape: Sequence, b_shape: Sequence | None, group: int) -> str | None:
    """What is wrong with a conv's input, weight and bias shapes (dims that are not ints are skipped:
    symbolic dims are checked again once bound), or None. W is [M, C / group, k...], B is [M]."""
    if int(group) < 1:
        return f"group must be positive, got {group}"
    if len(w_shape) != len(x_shape):
        return f"weight rank {len(w_shape)} does not match input rank {len(x_shape)}"
    m, cg = w_shape[0], w_shape[1]
    c = x_shape[1]
    if isinstance(m, int) and m % int(group) != 0:
        return f"Output channels M ({m}) is not divisible by group ({group})"
    if isinstance(c, int) and isinstance(cg, int) and c != cg * int(group):
        return f"Input channels C ({c}) is not equal to kernel channels * group ({cg} * {group})"
    if b_shape is not None:
        if len(b_shape) != 1 or (isinstance(m, int) and isinstance(b_shape[0], int) and b_shape[0] != m):
            return f"bias shape {tuple(b_shape)} does not match the {m} output channels"
    return None


def conv_pads(
    auto_pad: str,
    pads: Sequence[int] | None,
    in_shape: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
) -> tuple[list[int], list[int]]:
    """(pads_begin, pads_end) for a convolution, resolving auto_pad like onnxruntime."""
    nd = len(in_shape)
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for i in range(nd):
            out = -(-in_shape[i] // strides[i])
            dk = (kernel[i] - 1) * dilations[i] + 1
            total = max(0, (out - 1) * strides[i] + dk - in_shape[i])
            small = total // 2
            if auto_pad == "SAME_UPPER":
                begin.append(small)
                end.append(total - small)
            else:
                begin.append(total - small)
                end.append(small)
        return begin, end
    if auto_pad == "VALID":
        return [0] * nd, [0] * nd
    p = spatial_list(pads, 2 * nd, 0)
    return p[:nd], p[nd:]


def conv_out_shape(
    in_shape: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    begin: Sequence[int],
    end: Sequence[int],
) -> list[int]:
    """Spatial output shape of a (floor-mode) sliding window."""
    out = []
    for i in range(len(in_shape)):
        dk = (kernel[i] - 1) * dilations[i] + 1
        out.append((in_shape[i] + begin[i] + end[i] - dk) // strides[i] + 1)
    return out


def pad_spatial(x: np.ndarray, begin: Sequence[int], end: Sequence[int], value: float = 0) -> np.ndarray:
    """Pad (or crop, for negative pads) the spatial axes (2..) of an NC... tensor."""
    if not any(begin) and not any(end):
        return x
    # Negative pads crop first.
    crop = tuple(slice(max(0, -b), x.shape[2 + i] - max(0, -e)) for i, (b, e) in enumerate(zip(begin, end)))
    x = x[(slice(None), slice(None)) + crop]
    width = [(0, 0), (0, 0)] + [(max(0, b), max(0, e)) for b, e in zip(begin, end)]
    return np.pad(x, width, mode="constant", constant_values=value)


def im2col(
    xp: np.ndarray,
    kernel: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
    out_shape: Sequence[int],
) -> np.ndarray:
    """Columns (N, C, *kernel, *out) gathered from an already padded input (N, C, *spatial)."""
    n, c = xp.shape[:2]
    cols = np.empty((n, c, *kernel, *out_shape), dtype=xp.dtype)
    for offs in itertools.product(*(range(k) for k in kernel)):
        src = tuple(
            slice(o * d, o * d + s * (out - 1) + 1, s)
            for o, d, s, out in zip(offs, dilations, strides, out_shape)
        )
        cols[(slice(None), slice(None)) + offs] = xp[(slice(None), slice(None)) + src]
    return cols


def col2im_add(
    cols: np.ndarray,
    full_shape: Sequence[int],
    strides: Sequence[int],
    dilations: Sequence[int],
) -> np.ndarray:
    """Scatter-add columns (N, C, *kernel, *blocks) into an image (N, C, *full_shape)."""
    nd = len(full_shape)
    n, c = cols.shape[:2]
    kernel = cols.shape[2 : 2 + nd]
    blocks = cols.shape[2 + nd :]
    img = np.zeros((n, c, *full_shape), dtype=cols.dtype)
    for offs in itertools.product(*(range(k) for k in kernel)):
        dst = tuple(
            slice(o * d, o * d + s * (b - 1) + 1, s) for o, d, s, b in zip(offs, dilations, strides, blocks)
        )
        img[(slice(None), slice(None)) + dst] += cols[(slice(None), slice(None)) + offs]
    return img


def compute_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype the GEMM runs in: float16/bfloat16 widen to float32, float64 and ints keep theirs."""
    if dtype == np.float64:
        return np.dtype(np.float64)
    if np.issubdtype(dtype, np.integer):
        return np.dtype(np.int64)
    return np.dtype(np.float32)


def conv_nd(
    x: np.ndarray,
    w: np.ndarray,
    strides: Sequence[int],
    dilations: Sequence[int],
    begin: Sequence[int],
    end: Sequence[int],
    group: int,
) -> np.ndarray:
    """Grouped N-d cross-correlation (no bias) via im2col + batched GEMM, in compute_dtype."""
    nd = x.ndim - 2
    n, c = x.shape[:2]
    m = w.shape[0]
    kernel = list(w.shape[2:])
    if c != w.shape[1] * group or m % group != 0:
        raise InvalidArgument(f"Conv: input channels {c} and weight shape {w.shape} do not match group={group}")
    out_shape = conv_out_shape(x.shape[2:], kernel, strides, dilations, begin, end)
    if any(o <= 0 for o in out_shape):
        raise InvalidArgument(f"Conv: computed output shape {out_shape} is not positive")
    cd = compute_dtype(x.dtype)
    x = x.astype(cd, copy=False)
    w = w.astype(cd, copy=False)
    cg, mg = c // group, m // group
    k = int(np.prod(kernel)) if kernel else 1
    p = int(np.prod(out_shape))
    pointwise = all(v == 1 for v in kernel) and all(v == 1 for v in strides) and not any(begin) and not any(end)
    if pointwise:
        cols = x.reshape(n, group, cg, p)
    else:
        xp = pad_spatial(x, begin, end)
        cols = im2col(xp, kernel, strides, dilations, out_shape).reshape(n, group, cg * k, p)
    wm = w.reshape(group, mg, cg * k)
    if group == 1:
        y = np.matmul(wm[0], cols[:, 0])
    else:
        y = np.matmul(wm, cols)
    return y.reshape(n, m, *out_shape)
