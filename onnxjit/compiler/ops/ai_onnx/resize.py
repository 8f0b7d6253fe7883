"""Resize: nearest / linear / cubic N-d interpolation driven by scales or sizes (roi, axes, antialias)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._resize_common import ResizeMode, resize
from onnxjit.compiler.ops.registry import Fusion, OpDef, register
from onnxjit.errors import InvalidArgument


def _text(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


@register("Resize", since=10)
class Resize10(OpDef):
    """Resize-10: (X, scales); asymmetric coordinates, nearest picks like onnxruntime's 'simple' rounding."""

    fusion = Fusion.OPAQUE
    attrs = {"mode": "nearest"}

    def reference(self, x: np.ndarray, scales: np.ndarray) -> np.ndarray:
        sc = [float(s) for s in np.asarray(scales).reshape(-1)]
        out = [int(np.floor(d * s)) for d, s in zip(x.shape, sc)]
        m = ResizeMode(mode=_text(self.a.mode), coordinate_transformation_mode="asymmetric", nearest_mode="simple")
        return resize(x, out, sc, None, m)


@register("Resize", since=11)
class Resize(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"antialias": 0, "axes": None, "coordinate_transformation_mode": "half_pixel", "cubic_coeff_a": -0.75,
             "exclude_outside": 0, "extrapolation_value": 0.0, "keep_aspect_ratio_policy": "stretch",
             "mode": "nearest", "nearest_mode": "round_prefer_floor"}

    def reference(self, x: np.ndarray, roi: np.ndarray | None = None, scales: np.ndarray | None = None,
                  sizes: np.ndarray | None = None) -> np.ndarray:
        r = x.ndim
        axes = [int(a) % r for a in self.a.axes] if self.a.axes is not None else list(range(r))
        full_scales = [1.0] * r
        out = list(x.shape)
        if sizes is not None and np.asarray(sizes).size > 0:
            sz = [int(v) for v in np.asarray(sizes).reshape(-1)]
            for a, s in zip(axes, sz):
                out[a] = s
                full_scales[a] = s / x.shape[a] if x.shape[a] else 1.0
            policy = _text(self.a.keep_aspect_ratio_policy)
            if policy != "stretch":
                ratios = [full_scales[a] for a in axes]
                scale = min(ratios) if policy == "not_larger" else max(ratios)
                for a in axes:
                    full_scales[a] = scale
                    out[a] = int(scale * x.shape[a] + 0.5)
        elif scales is not None and np.asarray(scales).size > 0:
            sc = [float(v) for v in np.asarray(scales).reshape(-1)]
            for a, s in zip(axes, sc):
                full_scales[a] = s
                out[a] = int(s * x.shape[a])
        else:
            raise InvalidArgument(f"Resize node {self.node_name}: one of scales or sizes must be given")
        full_roi = None
        if roi is not None and np.asarray(roi).size > 0:
            rv = list(np.asarray(roi).reshape(-1))
            full_roi = [0.0] * r + [1.0] * r
            k = len(axes)
            for i, a in enumerate(axes):
                full_roi[a] = rv[i]
                full_roi[r + a] = rv[k + i]
        m = ResizeMode(
            mode=_text(self.a.mode),
            coordinate_transformation_mode=_text(self.a.coordinate_transformation_mode),
            nearest_mode=_text(self.a.nearest_mode),
            cubic_coeff_a=float(self.a.cubic_coeff_a),
            exclude_outside=bool(self.a.exclude_outside),
            extrapolation_value=float(self.a.extrapolation_value),
            antialias=bool(self.a.antialias),
        )
        return resize(x, out, full_scales, full_roi, m)
