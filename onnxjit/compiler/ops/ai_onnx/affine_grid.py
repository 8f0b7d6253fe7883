"""AffineGrid: sampling grid (N, *size, nd) from affine matrices theta (N, nd, nd+1)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def base_coords(size: int, align_corners: bool) -> np.ndarray:
    """Normalized [-1, 1] pixel coordinates along one axis."""
    if align_corners:
        return np.linspace(-1.0, 1.0, size) if size > 1 else np.zeros(1)
    return (2.0 * np.arange(size) + 1.0) / size - 1.0


@register("AffineGrid", since=20)
class AffineGrid(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"align_corners": 0}

    def reference(self, theta: np.ndarray, size: np.ndarray) -> np.ndarray:
        dims = [int(v) for v in np.asarray(size).reshape(-1)][2:]
        nd = len(dims)
        axes = [base_coords(d, bool(self.a.align_corners)) for d in dims]
        mesh = np.meshgrid(*axes, indexing="ij")  # mesh[i] varies along spatial dim i
        # Homogeneous coordinates ordered (x, y[, z], 1): x is the last spatial dim.
        homog = np.stack([mesh[nd - 1 - k] for k in range(nd)] + [np.ones(dims)], axis=-1)
        flat = homog.reshape(-1, nd + 1).astype(np.float64)
        out = np.einsum("pk,nik->npi", flat, theta.astype(np.float64))
        return out.reshape(theta.shape[0], *dims, nd).astype(theta.dtype)
