"""Shared helpers for the random generator ops (RandomNormal, RandomUniform, their *Like forms,
Bernoulli, Multinomial).

Seeding follows onnxruntime:
- each node owns one generator, made when the session prepares the node, and every run draws the
  next numbers from it (two runs of one session differ, also with a `seed` attribute);
- a node with a `seed` attribute starts from that seed alone (two such nodes draw the same numbers);
- a node without one starts from the process seed (`onnxjit.set_seed`, else drawn once per process)
  mixed with the node's first output name, so that two sessions made after the same `set_seed` draw
  the same numbers and two nodes of one graph draw different ones.
The numbers are numpy's (PCG64), not onnxruntime's: the same seed reproduces onnxjit's results, not
onnxruntime's.
"""
from __future__ import annotations

import math
import secrets
import zlib
from typing import Any

import numpy as np

from onnxjit.compiler.ops.ai_onnx._quant import onnx_dtype
from onnxjit.compiler.ops.registry import OpDef
from onnxjit.errors import InvalidGraph

_MASK64 = (1 << 64) - 1

# The process seed: the one piece of state `onnxjit.set_seed` sets (onnxruntime's is global too).
_process_seed: list[int] = [secrets.randbits(63)]


def set_seed(seed: int) -> None:
    """Seed every random op that has no `seed` attribute, in sessions prepared from now on."""
    _process_seed[0] = int(seed) & _MASK64


def process_seed() -> int:
    return _process_seed[0]


class RandomOp(OpDef):
    """A random generator op: not constant-foldable; owns the generator its runs draw from."""

    deterministic = False

    def __init__(self, node: Any = None, opset: int | None = None, runner: Any = None):
        super().__init__(node, opset, runner)
        self.rng = np.random.default_rng(self._seed_sequence())

    def _seed_sequence(self) -> np.random.SeedSequence:
        seed = getattr(self.a, "seed", None)
        if seed is not None:
            try:
                value = float(seed)
                if not math.isfinite(value):
                    raise ValueError(value)
            except (TypeError, ValueError) as exc:
                raise InvalidGraph(f"node {self.node_name} ({self.op_type}): attribute 'seed' must be a "
                                   f"finite number, got {seed!r}") from exc
            return np.random.SeedSequence(int(value) & _MASK64)
        outputs = self.node.outputs if self.node is not None else []
        name = outputs[0] if outputs else self.op_type
        return np.random.SeedSequence([process_seed(), zlib.crc32(name.encode("utf-8", "replace"))])


def out_dtype(dtype_attr: int | None, like: np.ndarray | None = None) -> np.dtype:
    """The `dtype` attribute's numpy dtype, else the dtype of the input being mimicked."""
    if dtype_attr:
        return onnx_dtype(dtype_attr)
    return like.dtype if like is not None else np.dtype(np.float32)
