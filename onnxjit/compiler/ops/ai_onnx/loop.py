"""Loop: run a body subgraph while a trip count and a condition allow, carrying state and stacking scan outputs."""
from __future__ import annotations

from typing import Any

import numpy as np

from onnxjit.compiler.dtypes import to_numpy_dtype
from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


def _empty_scan_output(vi: Any) -> np.ndarray:
    """A zero-iteration scan output: shape (0, *elem_shape) when the body declares it."""
    dtype = to_numpy_dtype(vi.elem_type) if vi.elem_type else np.dtype(np.float32)
    shape = vi.shape
    dims = [d if isinstance(d, int) else 0 for d in shape] if shape is not None else []
    return np.empty([0, *dims], dtype=dtype)


@register("Loop", since=1)
class Loop(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"body": REQUIRED}
    needs_env = True

    def run_with_env(self, inputs: list[Any], env: dict[str, Any]) -> list[Any]:
        body = self.a.body
        trip, cond, carried = inputs[0], inputs[1], list(inputs[2:])
        n_carried = len(carried)
        n_scan = len(body.outputs) - 1 - n_carried
        max_trip = None if trip is None else int(np.asarray(trip).reshape(-1)[0])
        keep_going = True if cond is None else bool(np.asarray(cond).reshape(-1)[0])
        scans: list[list[np.ndarray]] = [[] for _ in range(n_scan)]
        it = 0
        while keep_going and (max_trip is None or it < max_trip):
            outs = self.run_subgraph(
                body, [np.array(it, dtype=np.int64), np.array(keep_going), *carried], env)
            keep_going = bool(np.asarray(outs[0]).reshape(-1)[0])
            carried = list(outs[1:1 + n_carried])
            for k in range(n_scan):
                scans[k].append(np.asarray(outs[1 + n_carried + k]))
            it += 1
        stacked = [np.stack(s) if s else _empty_scan_output(body.outputs[1 + n_carried + k])
                   for k, s in enumerate(scans)]
        return carried + stacked
