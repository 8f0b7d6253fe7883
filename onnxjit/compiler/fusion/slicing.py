"""Slice at bind time: normalised starts/steps as a strided view description."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.fusion.plan import Step
from onnxjit.errors import InvalidArgument


def slice_params(step: Step, shape: tuple[int, ...], values: dict[str, np.ndarray]) -> tuple[list[tuple[int, ...]], list[int]]:
    node = step.nodes[0]
    rank = len(shape)
    if len(node.inputs) > 1 and node.inputs[1]:
        def get(k, default):
            name = node.inputs[k] if len(node.inputs) > k else ""
            return [int(v) for v in values[name].reshape(-1)] if name else default
        starts = get(1, None)
        ends = get(2, None)
        axes = get(3, list(range(len(starts))))
        steps = get(4, [1] * len(starts))
    else:
        starts, ends = list(node.attrs.get("starts", [])), list(node.attrs.get("ends", []))
        axes = list(node.attrs.get("axes", range(len(starts))))
        steps = [1] * len(starts)
    begin = [0] * rank
    stride = [1] * rank
    out = list(shape)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise InvalidArgument(f"Slice node '{node.name}': starts, ends, axes and steps must have the same length")
    seen: set[int] = set()
    for s, e, ax, st in zip(starts, ends, axes, steps):
        if not -rank <= ax < rank:
            raise InvalidArgument(f"Slice node '{node.name}': axis {ax} is out of range for rank {rank}")
        ax = ax + rank if ax < 0 else ax
        if ax in seen:
            raise InvalidArgument(f"Slice node '{node.name}': 'axes' has duplicates")
        seen.add(ax)
        if st == 0:
            raise InvalidArgument(f"Slice node '{node.name}': 'step' value cannot be 0")
        b, e2, st2 = slice(s, e, st).indices(shape[ax])
        n = len(range(b, e2, st2))
        begin[ax], stride[ax], out[ax] = b, st2, n
    elem = [1] * rank
    for i in range(rank - 2, -1, -1):
        elem[i] = elem[i + 1] * shape[i + 1]
    offset = sum(b * e for b, e in zip(begin, elem))
    strides = [st * e for st, e in zip(stride, elem)]
    return [tuple(out)], [rank, *out, *strides, offset]
