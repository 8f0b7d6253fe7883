"""RoiAlign: bilinear-sampled average/max pooling of regions of interest into fixed-size bins."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def axis_samples(start: float, bin_size: float, bins: int, grid: int, limit: int):
    """Per (bin, sample) along one axis: low/high index, low/high weight and validity."""
    pos = start + np.arange(bins)[:, None] * bin_size + (np.arange(grid)[None, :] + 0.5) * bin_size / grid
    valid = (pos >= -1.0) & (pos <= limit)
    pos = np.maximum(pos, 0.0)
    low = np.floor(pos).astype(np.int64)
    at_edge = low >= limit - 1
    low = np.where(at_edge, limit - 1, low)
    high = np.where(at_edge, limit - 1, low + 1)
    pos = np.where(at_edge, low.astype(np.float64), pos)
    frac = pos - low
    w_low = np.where(valid, 1.0 - frac, 0.0)
    w_high = np.where(valid, frac, 0.0)
    return np.where(valid, low, 0), np.where(valid, high, 0), w_low, w_high


@register("RoiAlign", since=10)
class RoiAlign10(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"mode": "avg", "output_height": 1, "output_width": 1, "sampling_ratio": 0, "spatial_scale": 1.0,
             "coordinate_transformation_mode": "output_half_pixel"}

    def reference(self, x: np.ndarray, rois: np.ndarray, batch_indices: np.ndarray) -> np.ndarray:
        ph, pw = int(self.a.output_height), int(self.a.output_width)
        half = self.a.coordinate_transformation_mode == "half_pixel"
        scale = float(self.a.spatial_scale)
        ratio = int(self.a.sampling_ratio)
        height, width = x.shape[2], x.shape[3]
        xf = x.astype(np.float64, copy=False)
        out = np.zeros((rois.shape[0], x.shape[1], ph, pw), dtype=np.float64)
        offset = 0.5 if half else 0.0
        for r in range(rois.shape[0]):
            x0, y0, x1, y1 = (float(v) * scale - offset for v in rois[r, :4])
            roi_w, roi_h = x1 - x0, y1 - y0
            if not half:
                roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
            bin_h, bin_w = roi_h / ph, roi_w / pw
            gh = ratio if ratio > 0 else int(np.ceil(roi_h / ph))
            gw = ratio if ratio > 0 else int(np.ceil(roi_w / pw))
            count = max(gh * gw, 1)
            yl, yh, wyl, wyh = axis_samples(y0, bin_h, ph, gh, height)  # (ph, gh)
            xl, xh, wxl, wxh = axis_samples(x0, bin_w, pw, gw, width)  # (pw, gw)
            img = xf[int(batch_indices[r])]  # (C, H, W)

            def corner(yi, xi, wy, wx):
                vals = img[:, yi[:, :, None, None], xi[None, None, :, :]]  # (C, ph, gh, pw, gw)
                return vals * (wy[:, :, None, None] * wx[None, None, :, :])

            parts = [corner(yl, xl, wyl, wxl), corner(yl, xh, wyl, wxh), corner(yh, xl, wyh, wxl),
                     corner(yh, xh, wyh, wxh)]
            if self.a.mode == "max":
                best = np.maximum(np.maximum(parts[0], parts[1]), np.maximum(parts[2], parts[3]))
                out[r] = best.max(axis=(2, 4)) if gh * gw > 0 else 0.0
            else:
                out[r] = sum(parts).sum(axis=(2, 4)) / count
        return out.astype(x.dtype)


@register("RoiAlign", since=16)
class RoiAlign(RoiAlign10):
    attrs = {**RoiAlign10.attrs, "coordinate_transformation_mode": "half_pixel"}
