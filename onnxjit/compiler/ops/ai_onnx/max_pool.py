"""MaxPool: max over sliding windows, optionally with flat argmax Indices (storage_order)."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._pool_common import check_pool_attributes, padded, pool_window, window_slices
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


def lowest(dtype: np.dtype):
    """The padding value that never wins a max."""
    if np.issubdtype(dtype, np.integer):
        return np.iinfo(dtype).min
    return -np.inf


@register("MaxPool", since=1)
class MaxPool(OpDef):
    fusion = Fusion.TEMPLATE
    attrs = {"auto_pad": "NOTSET", "ceil_mode": 0, "dilations": None, "kernel_shape": REQUIRED, "pads": None,
             "storage_order": 0, "strides": None}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        check_pool_attributes(self)  # at load, as onnxruntime does

    def reference(self, x: np.ndarray):
        win = pool_window(self.a, x.shape[2:])
        xp = padded(x, win, lowest(x.dtype))
        want_indices = self.node is not None and len(self.node.outputs) > 1 and bool(self.node.outputs[1])
        best = None
        arg = None
        for offs, view in window_slices(xp, win):
            if best is None:
                best = view.copy()
                if want_indices:
                    arg = np.zeros(best.shape, dtype=np.int64)
                continue
            if want_indices:
                better = view > best
                arg[better] = self._offset_index(offs)
                np.copyto(best, view, where=better)
            else:
                np.maximum(best, view, out=best)
        if not want_indices:
            return best
        return best, self._flat_indices(x.shape, win, arg)

    def _offset_index(self, offs: tuple[int, ...]) -> int:
        return int(np.ravel_multi_index(offs, self._kernel)) if offs else 0

    @property
    def _kernel(self) -> tuple[int, ...]:
        return tuple(int(k) for k in self.a.kernel_shape)

    def _flat_indices(self, shape: tuple[int, ...], win, arg: np.ndarray) -> np.ndarray:
        """Turn per-window kernel offsets into flat indices into x (row- or column-major spatial)."""
        nd = len(win.in_shape)
        offs = np.unravel_index(arg, self._kernel)
        coords = []
        for i in range(nd):
            oshape = [1] * nd
            oshape[i] = win.out_shape[i]
            start = (np.arange(win.out_shape[i]) * win.strides[i] - win.begin[i]).reshape(oshape)
            coords.append(start + offs[i] * win.dilations[i])
        dims = list(win.in_shape)
        if int(self.a.storage_order) == 1:
            flat = np.zeros(arg.shape, dtype=np.int64)
            for i in reversed(range(nd)):
                flat = flat * dims[i] + coords[i]
        else:
            flat = np.zeros(arg.shape, dtype=np.int64)
            for i in range(nd):
                flat = flat * dims[i] + coords[i]
        spatial = int(np.prod(dims))
        n, c = shape[:2]
        base = (np.arange(n)[:, None] * c + np.arange(c)[None, :]) * spatial
        return flat + base.reshape((n, c) + (1,) * nd)
