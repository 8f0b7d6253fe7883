"""ConvTranspose: grouped N-d transposed convolution (GEMM + col2im scatter-add)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._conv_common import col2im_add, compute_dtype, pad_spatial, spatial_list
from onnxjit.compiler.ops.registry import Fusion, OpDef, register
from onnxjit.errors import Fail, InvalidArgument


@register("ConvTranspose", since=1)
class ConvTranspose(OpDef):
    fusion = Fusion.TEMPLATE
    attrs = {"auto_pad": "NOTSET", "dilations": None, "group": 1, "kernel_shape": None, "output_padding": None,
             "output_shape": None, "pads": None, "strides": None}

    def _pads(self, in_shape: list[int], kernel: list[int], strides: list[int], dilations: list[int],
              out_pad: list[int]) -> tuple[list[int], list[int]]:
        nd = len(in_shape)
        full = [strides[i] * (in_shape[i] - 1) + out_pad[i] + (kernel[i] - 1) * dilations[i] + 1 for i in range(nd)]
        auto_pad = self.a.auto_pad
        out_shape = self.a.output_shape
        if out_shape is not None and len(out_shape) > nd:
            out_shape = out_shape[-nd:]
        if out_shape is None and auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            out_shape = [in_shape[i] * strides[i] for i in range(nd)]
        if out_shape is None:
            if auto_pad == "VALID":
                return [0] * nd, [0] * nd
            p = spatial_list(self.a.pads, 2 * nd, 0)
            return p[:nd], p[nd:]
        begin, end = [], []
        for i in range(nd):
            total = full[i] - int(out_shape[i])
            small = total // 2
            b = small if auto_pad == "SAME_UPPER" else total - small
            begin.append(b)
            end.append(total - b)
        return begin, end

    def _check(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, group: int, strides: list[int],
               dilations: list[int], out_pad: list[int]) -> None:
        """What onnxruntime refuses: W is [C, M / group, k...], B is [M]."""
        nd = x.ndim - 2
        where = f"ConvTranspose node '{self.node_name}'"
        if group < 1 or any(len(v) != nd for v in (strides, dilations, out_pad)) or min(strides + dilations, default=1) < 1:
            raise Fail(f"{where}: group, strides, dilations and output_padding must be positive and of {nd} dims")
        if w.ndim != x.ndim or x.shape[1] != w.shape[0] or x.shape[1] % group:
            raise InvalidArgument(f"{where}: input channels {x.shape[1]} do not match W {w.shape} with group {group}")
        if b is not None and b.shape != (w.shape[1] * group,):
            raise InvalidArgument(f"{where}: bias {b.shape} does not match the {w.shape[1] * group} output channels")
        if any(not 0 <= o < max(s, d) for o, s, d in zip(out_pad, strides, dilations)):
            raise InvalidArgument(f"{where}: output_padding {out_pad} must be smaller than the strides or dilations")

    def reference(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        nd = x.ndim - 2
        n, c = x.shape[:2]
        group = int(self.a.group)
        kernel = list(w.shape[2:])
        strides = spatial_list(self.a.strides, nd, 1)
        dilations = spatial_list(self.a.dilations, nd, 1)
        out_pad = spatial_list(self.a.output_padding, nd, 0)
        self._check(x, w, b, group, strides, dilations, out_pad)
        begin, end = self._pads(list(x.shape[2:]), kernel, strides, dilations, out_pad)
        cd = compute_dtype(x.dtype)
        cg, mg = c // group, w.shape[1]
        k = int(np.prod(kernel))
        p = int(np.prod(x.shape[2:]))
        wt = w.astype(cd, copy=False).reshape(group, cg, mg * k).transpose(0, 2, 1)
        xg = x.astype(cd, copy=False).reshape(n, group, cg, p)
        cols = np.matmul(wt, xg).reshape(n, group * mg, *kernel, *x.shape[2:])
        full = [strides[i] * (x.shape[2 + i] - 1) + (kernel[i] - 1) * dilations[i] + 1 for i in range(nd)]
        img = col2im_add(cols, full, strides, dilations)
        # output_padding adds rows at the end; pads crop (negative pads extend with zeros).
        y = pad_spatial(img, [-v for v in begin], [out_pad[i] - end[i] for i in range(nd)])
        if b is not None:
            y = y + b.astype(cd, copy=False).reshape((1, -1) + (1,) * nd)
        return np.ascontiguousarray(y).astype(x.dtype, copy=False)
