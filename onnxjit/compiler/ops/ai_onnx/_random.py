"""Shared helpers for the random generator ops."""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.ops.ai_onnx._quant import onnx_dtype


def generator(seed: float | None) -> np.random.Generator:
    """A numpy Generator seeded from the op's `seed` attribute, or from fresh entropy when absent."""
    return np.random.default_rng(None if seed is None else int(seed))


def out_dtype(dtype_attr: int | None, like: np.ndarray | None = None) -> np.dtype:
    """The `dtype` attribute's numpy dtype, else the dtype of the input being mimicked."""
    if dtype_attr:
        return onnx_dtype(dtype_attr)
    return like.dtype if like is not None else np.dtype(np.float32)
