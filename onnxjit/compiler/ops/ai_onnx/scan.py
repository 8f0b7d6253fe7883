"""Scan: iterate a body subgraph over slices of scan inputs, carrying state and collecting scan outputs."""
from __future__ import annotations

from typing import Any

import numpy as np

from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


def _scan(op: OpDef, body: Any, states: list[Any], scan_ins: list[np.ndarray], in_axes: list[int],
          in_dirs: list[int], out_axes: list[int], out_dirs: list[int], steps: int | None,
          env: dict[str, Any]) -> list[Any]:
    """One scan over `steps` iterations; returns final states followed by scan outputs."""
    n_states = len(states)
    n_out = len(body.outputs) - n_states
    if steps is None:
        steps = scan_ins[0].shape[in_axes[0]] if scan_ins else 0
    collected: list[list[np.ndarray]] = [[] for _ in range(n_out)]
    for t in range(steps):
        slices = [np.take(x, steps - 1 - t if d else t, axis=a)
                  for x, a, d in zip(scan_ins, in_axes, in_dirs)]
        outs = op.run_subgraph(body, [*states, *slices], env)
        states = list(outs[:n_states])
        for k in range(n_out):
            collected[k].append(np.asarray(outs[n_states + k]))
    results: list[Any] = list(states)
    for k in range(n_out):
        items = collected[k][::-1] if out_dirs[k] else collected[k]
        if not items:
            results.append(np.empty((0,), dtype=np.float32))
            continue
        axis = out_axes[k] if out_axes[k] >= 0 else out_axes[k] + items[0].ndim + 1
        results.append(np.stack(items, axis=axis))
    return results


def _per_input(values: list[int] | None, n: int) -> list[int]:
    return [int(v) for v in values] if values else [0] * n


@register("Scan", since=8)
class Scan8(OpDef):
    """Opset 8: a leading batch axis on every state and scan input; optional sequence_lens first."""

    fusion = Fusion.OPAQUE
    attrs = {"body": REQUIRED, "num_scan_inputs": REQUIRED, "directions": None}
    needs_env = True

    def run_with_env(self, inputs: list[Any], env: dict[str, Any]) -> list[Any]:
        body, n_scan = self.a.body, int(self.a.num_scan_inputs)
        seq_lens, rest = inputs[0], list(inputs[1:])
        n_states = len(rest) - n_scan
        states, scan_ins = rest[:n_states], rest[n_states:]
        dirs = _per_input(self.a.directions, n_scan)
        n_out = len(body.outputs) - n_states
        batch = scan_ins[0].shape[0]
        max_len = scan_ins[0].shape[1]
        per_batch: list[list[Any]] = []
        for b in range(batch):
            steps = max_len if seq_lens is None else int(np.asarray(seq_lens).reshape(-1)[b])
            sl = [x[b, :steps] for x in scan_ins]
            per_batch.append(_scan(self, body, [s[b] for s in states], sl, [0] * n_scan, dirs,
                                   [0] * n_out, [0] * n_out, steps, env))
        results: list[Any] = [np.stack([r[i] for r in per_batch]) for i in range(n_states)]
        for k in range(n_out):
            parts = [r[n_states + k] for r in per_batch]
            ref = next((p for p in parts if p.shape[0] > 0), parts[0])
            padded = [p if p.shape[0] == max_len else
                      np.concatenate([p.astype(ref.dtype), np.zeros((max_len - p.shape[0], *ref.shape[1:]), ref.dtype)])
                      for p in parts]
            results.append(np.stack(padded))
        return results


@register("Scan", since=9)
class Scan9(OpDef):
    """Opset 9+: no batch axis; per-input scan axes and directions."""

    fusion = Fusion.OPAQUE
    attrs = {"body": REQUIRED, "num_scan_inputs": REQUIRED, "scan_input_axes": None,
             "scan_input_directions": None, "scan_output_axes": None, "scan_output_directions": None}
    needs_env = True

    def run_with_env(self, inputs: list[Any], env: dict[str, Any]) -> list[Any]:
        body, n_scan = self.a.body, int(self.a.num_scan_inputs)
        n_states = len(inputs) - n_scan
        states, scan_ins = list(inputs[:n_states]), [np.asarray(x) for x in inputs[n_states:]]
        n_out = len(body.outputs) - n_states
        in_axes = [a if a >= 0 else a + x.ndim
                   for a, x in zip(_per_input(self.a.scan_input_axes, n_scan), scan_ins)]
        return _scan(self, body, states, scan_ins, in_axes,
                     _per_input(self.a.scan_input_directions, n_scan),
                     _per_input(self.a.scan_output_axes, n_out),
                     _per_input(self.a.scan_output_directions, n_out), None, env)
