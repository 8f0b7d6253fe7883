"""Shared machinery for RNN, GRU and LSTM: activations, layout, directions and sequence lengths."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

Activation = Callable[[np.ndarray], np.ndarray]

# name -> (number of alpha values used, number of beta values used, default alpha, default beta)
_PARAMS: dict[str, tuple[int, int, float, float]] = {
    "relu": (0, 0, 0.0, 0.0), "tanh": (0, 0, 0.0, 0.0), "sigmoid": (0, 0, 0.0, 0.0),
    "softsign": (0, 0, 0.0, 0.0), "softplus": (0, 0, 0.0, 0.0),
    "affine": (1, 1, 1.0, 0.0), "leakyrelu": (1, 0, 0.01, 0.0), "thresholdedrelu": (1, 0, 1.0, 0.0),
    "scaledtanh": (1, 1, 1.0, 1.0), "hardsigmoid": (1, 1, 0.2, 0.5), "elu": (1, 0, 1.0, 0.0),
}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # Split by sign so exp never overflows.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _make(name: str, alpha: float, beta: float) -> Activation:
    n = name.lower()
    if n == "relu":
        return lambda x: np.maximum(x, 0).astype(x.dtype, copy=False)
    if n == "tanh":
        return np.tanh
    if n == "sigmoid":
        return _sigmoid
    if n == "softsign":
        return lambda x: x / (1 + np.abs(x))
    if n == "softplus":
        return lambda x: np.logaddexp(x, 0).astype(x.dtype, copy=False)
    if n == "affine":
        return lambda x: (x * alpha + beta).astype(x.dtype, copy=False)
    if n == "leakyrelu":
        return lambda x: np.where(x >= 0, x, x * alpha).astype(x.dtype, copy=False)
    if n == "thresholdedrelu":
        return lambda x: np.where(x > alpha, x, 0).astype(x.dtype, copy=False)
    if n == "scaledtanh":
        return lambda x: (alpha * np.tanh(beta * x)).astype(x.dtype, copy=False)
    if n == "hardsigmoid":
        return lambda x: np.clip(alpha * x + beta, 0, 1).astype(x.dtype, copy=False)
    if n == "elu":
        return lambda x: np.where(x >= 0, x, alpha * (np.exp(x) - 1)).astype(x.dtype, copy=False)
    raise ValueError(f"unsupported recurrent activation {name!r}")


def activations(names: Sequence[str] | None, defaults: Sequence[str], num_directions: int,
                alphas: Sequence[float] | None, betas: Sequence[float] | None) -> list[list[Activation]]:
    """Per direction, the op's activation functions; alpha/beta lists are consumed in order
    by the functions that take them."""
    per_dir = len(defaults)
    names = list(names) if names else list(defaults) * num_directions
    if len(names) == per_dir and num_directions == 2:
        names = names * 2
    alpha_it, beta_it = iter(alphas or []), iter(betas or [])
    funcs: list[Activation] = []
    for name in names:
        n_alpha, n_beta, da, db = _PARAMS.get(name.lower(), (0, 0, 0.0, 0.0))
        a = float(next(alpha_it, da)) if n_alpha else da
        b = float(next(beta_it, db)) if n_beta else db
        funcs.append(_make(name, a, b))
    return [funcs[d * per_dir:(d + 1) * per_dir] for d in range(num_directions)]


def clipper(clip: float | None) -> Activation:
    if clip is None:
        return lambda x: x
    c = float(clip)
    return lambda x: np.clip(x, -c, c)


Cell = Callable[[np.ndarray, list[np.ndarray], int], list[np.ndarray]]


def run_directions(x: np.ndarray, states: list[np.ndarray], seq_lens: np.ndarray | None,
                   direction: str, cell: Cell) -> tuple[np.ndarray, list[np.ndarray]]:
    """Run `cell(x_t, states, d)` over time for each direction (layout 0: x is [seq, batch, in]).

    states: per state kind, an array [num_directions, batch, hidden]. Returns Y
    [seq, num_directions, batch, hidden] and the final states. Steps at or past a batch entry's
    sequence length leave its state unchanged and write zeros to Y.
    """
    seq, batch = x.shape[0], x.shape[1]
    dirs = {"forward": [False], "reverse": [True], "bidirectional": [False, True]}[direction]
    hidden = states[0].shape[-1]
    y = np.zeros((seq, len(dirs), batch, hidden), dtype=x.dtype)
    lens = np.full(batch, seq) if seq_lens is None else np.asarray(seq_lens).astype(np.int64)
    finals: list[list[np.ndarray]] = [[] for _ in states]
    for d, reverse in enumerate(dirs):
        cur = [s[d] for s in states]
        for t in (range(seq - 1, -1, -1) if reverse else range(seq)):
            new = cell(x[t], cur, d)
            live = (t < lens)[:, None]
            cur = [np.where(live, n, c).astype(x.dtype, copy=False) for n, c in zip(new, cur)]
            y[t, d] = np.where(live, new[0], 0)
        for k, c in enumerate(cur):
            finals[k].append(c)
    return y, [np.stack(f) for f in finals]


def to_seq_major(x: np.ndarray, states: list[np.ndarray | None], layout: int) -> tuple[np.ndarray, list]:
    """layout 1 -> layout 0 for X [batch, seq, in] and initial states [batch, dirs, hidden]."""
    if not layout:
        return x, states
    return np.swapaxes(x, 0, 1), [None if s is None else np.swapaxes(s, 0, 1) for s in states]


def from_seq_major(y: np.ndarray, finals: list[np.ndarray], layout: int) -> list[np.ndarray]:
    """Y [seq, dirs, batch, hidden] and finals [dirs, batch, hidden] in the requested layout."""
    if not layout:
        return [y, *finals]
    return [np.transpose(y, (2, 0, 1, 3)), *[np.swapaxes(f, 0, 1) for f in finals]]
