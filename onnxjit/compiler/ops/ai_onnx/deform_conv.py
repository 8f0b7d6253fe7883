"""DeformConv: convolution whose kernel taps are shifted by learned offsets (bilinear sampling) and masked."""
from __future__ import annotations

import itertools

import numpy as np

from onnxjit.compiler.ops.ai_onnx._conv_common import compute_dtype, spatial_list
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("DeformConv", since=19)
class DeformConv(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"dilations": None, "group": 1, "kernel_shape": None, "offset_group": 1, "pads": None, "strides": None}

    def reference(self, x: np.ndarray, w: np.ndarray, offset: np.ndarray, b: np.ndarray | None = None,
                  mask: np.ndarray | None = None) -> np.ndarray:
        nd = x.ndim - 2
        n, c = x.shape[:2]
        dims = x.shape[2:]
        m = w.shape[0]
        kernel = list(w.shape[2:])
        strides = spatial_list(self.a.strides, nd, 1)
        dilations = spatial_list(self.a.dilations, nd, 1)
        pads = spatial_list(self.a.pads, 2 * nd, 0)
        group, og = int(self.a.group), int(self.a.offset_group)
        out_shape = list(offset.shape[2:])
        cd = np.dtype(np.float64) if x.dtype == np.float64 else compute_dtype(x.dtype)
        off = offset.astype(np.float64).reshape(n, og, *kernel, nd, *out_shape)
        # Sampling positions per spatial dim: (n, og, *kernel, *out).
        positions = []
        for d in range(nd):
            kshape = [1] * (2 + 2 * nd)
            kshape[2 + d] = kernel[d]
            oshape = [1] * (2 + 2 * nd)
            oshape[2 + nd + d] = out_shape[d]
            base = (np.arange(kernel[d]) * dilations[d]).reshape(kshape) + (
                np.arange(out_shape[d]) * strides[d] - pads[d]).reshape(oshape)
            positions.append(base + off[(slice(None), slice(None), *([slice(None)] * nd), d)])
        icg = c // og
        xg = x.astype(np.float64, copy=False).reshape(n, og, icg, *dims)
        bidx = np.arange(n).reshape((n,) + (1,) * (1 + 2 * nd))
        gidx = np.arange(og).reshape((1, og) + (1,) * (2 * nd))
        lows = [np.floor(p).astype(np.int64) for p in positions]
        fracs = [p - lo for p, lo in zip(positions, lows)]
        sampled = np.zeros(positions[0].shape + (icg,), dtype=np.float64)
        for corner in itertools.product((0, 1), repeat=nd):
            weight = np.ones(positions[0].shape)
            valid = np.ones(positions[0].shape, dtype=bool)
            idx = []
            for d, hi in enumerate(corner):
                i = lows[d] + hi
                weight = weight * (fracs[d] if hi else 1 - fracs[d])
                valid &= (i >= 0) & (i < dims[d])
                idx.append(np.clip(i, 0, dims[d] - 1))
            vals = xg[(bidx, gidx, slice(None), *idx)]
            sampled += vals * np.where(valid, weight, 0.0)[..., None]
        if mask is not None:
            sampled *= mask.astype(np.float64).reshape(n, og, *kernel, *out_shape)[..., None]
        # (n, og, *K, *O, icg) -> (n, C, K, P) -> grouped GEMM.
        k = int(np.prod(kernel))
        p = int(np.prod(out_shape))
        cols = np.moveaxis(sampled, -1, 2).reshape(n, group, (c // group) * k, p).astype(cd)
        wm = w.astype(cd).reshape(group, m // group, (c // group) * k)
        y = np.matmul(wm, cols).reshape(n, m, *out_shape)
        if b is not None:
            y = y + b.astype(cd).reshape((1, -1) + (1,) * nd)
        return y.astype(x.dtype)
