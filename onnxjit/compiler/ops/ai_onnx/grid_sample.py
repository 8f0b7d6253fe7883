"""GridSample: sample an N-d input at normalized grid locations (nearest/linear/cubic, zeros/border/reflection)."""
from __future__ import annotations

import itertools

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register
from onnxjit.errors import InvalidArgument

_MODES = {"bilinear": "linear", "linear": "linear", "nearest": "nearest", "bicubic": "cubic", "cubic": "cubic"}


def reflect(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Reflect coordinates by the borders [lo, hi] until they fall inside."""
    rng = hi - lo
    if rng <= 0:
        return np.full_like(x, lo)
    below = x < lo
    dx = np.where(below, lo - x, x - hi)
    n = np.trunc(dx / rng)
    r = dx - n * rng
    even = (n % 2) == 0
    low_side = np.where(even, lo + r, hi - r)
    high_side = np.where(even, hi - r, lo + r)
    return np.where(below, low_side, np.where(x > hi, high_side, x))


def cubic_coeffs(t: np.ndarray, a: float = -0.75) -> list[np.ndarray]:
    """Keys cubic weights of the taps at offsets -1, 0, 1, 2 for fractional position t."""
    def far(d):
        return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a

    def near(d):
        return ((a + 2) * d - (a + 3)) * d * d + 1

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


@register("GridSample", since=16)
class GridSample(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"align_corners": 0, "mode": "linear", "padding_mode": "zeros"}

    def reference(self, x: np.ndarray, grid: np.ndarray) -> np.ndarray:
        mode = _MODES.get(self.a.mode)
        if mode is None:
            raise InvalidArgument(f"GridSample node {self.node_name}: unknown mode {self.a.mode!r}")
        pad = self.a.padding_mode
        align = bool(self.a.align_corners)
        n, c = x.shape[:2]
        dims = x.shape[2:]
        nd = len(dims)
        out_sp = grid.shape[1:-1]
        if n * c * int(np.prod(out_sp)) == 0:
            return np.zeros((n, c, *out_sp), dtype=x.dtype)
        g = grid.astype(np.float32, copy=False)
        taps_per_dim = []  # per spatial dim: list of (index array, weight array or None)
        for i, size in enumerate(dims):
            v = g[..., nd - 1 - i]
            coord = (v + 1) / 2 * (size - 1) if align else ((v + 1) * size - 1) / 2
            coord = coord.astype(np.float64)
            lo, hi = (0.0, size - 1.0) if align else (-0.5, size - 0.5)
            if mode == "nearest":
                coord = np.rint(coord)
            if pad == "border" and mode != "cubic":  # cubic clamps each tap instead (as onnxruntime/torch)
                coord = np.where((coord < lo) | (coord > hi), np.clip(coord, 0, size - 1), coord)
            elif pad == "reflection":
                coord = reflect(coord, lo, hi)
            if mode == "nearest":
                taps_per_dim.append([(np.trunc(coord).astype(np.int64), None)])
                continue
            base = np.floor(coord)
            t = coord - base
            base = base.astype(np.int64)
            if mode == "linear":
                taps_per_dim.append([(base, 1 - t), (base + 1, t)])
            else:
                w = cubic_coeffs(t)
                taps_per_dim.append([(base + k - 1, w[k]) for k in range(4)])
        batch = np.arange(n).reshape((n,) + (1,) * len(out_sp))
        acc = np.zeros((n, *out_sp, c), dtype=np.float64)
        xf = x.astype(np.float64, copy=False)
        for combo in itertools.product(*taps_per_dim):
            weight = None
            valid = None
            idx = []
            for i, (ix, w) in enumerate(combo):
                size = dims[i]
                if pad == "zeros":
                    ok = (ix >= 0) & (ix < size)
                    valid = ok if valid is None else valid & ok
                    ix = np.clip(ix, 0, size - 1)
                elif pad == "border":
                    ix = np.clip(ix, 0, size - 1)
                else:
                    lo, hi = (0.0, size - 1.0) if align else (-0.5, size - 0.5)
                    ix = np.clip(np.trunc(reflect(ix.astype(np.float64), lo, hi)).astype(np.int64), 0, size - 1)
                idx.append(ix)
                if w is not None:
                    weight = w if weight is None else weight * w
            vals = xf[(batch, slice(None), *idx)]  # (n, *out_sp, c)
            if weight is None:
                weight = np.ones(vals.shape[:-1])
            if valid is not None:
                weight = np.where(valid, weight, 0.0)
            acc += vals * weight[..., None]
        return np.moveaxis(acc, -1, 1).astype(x.dtype)
