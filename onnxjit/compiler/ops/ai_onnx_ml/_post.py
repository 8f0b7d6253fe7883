"""Score post-transforms shared by the ai.onnx.ml classifiers and regressors."""
from __future__ import annotations

import numpy as np
from scipy.special import erfinv

POST_NAMES = ["NONE", "SOFTMAX", "LOGISTIC", "SOFTMAX_ZERO", "PROBIT"]


def logistic(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


def softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_zero(v: np.ndarray) -> np.ndarray:
    """Softmax in which exact zeros stay zero-weighted (onnxruntime's SOFTMAX_ZERO)."""
    vmax = v.max(axis=-1, keepdims=True)
    e = np.where(np.abs(v) > 1e-7, np.exp(v - vmax), v * np.exp(-vmax))
    s = e.sum(axis=-1, keepdims=True)
    return np.where(s == 0, 0.5, e / np.where(s == 0, 1, s))


def probit(v: np.ndarray) -> np.ndarray:
    return np.sqrt(2.0) * erfinv(2.0 * v - 1.0)


def post_transform(v: np.ndarray, name: str | int) -> np.ndarray:
    """Apply NONE / SOFTMAX / LOGISTIC / SOFTMAX_ZERO / PROBIT along the last axis."""
    if isinstance(name, int):
        name = POST_NAMES[name]
    if name == "NONE":
        return v
    fn = {"SOFTMAX": softmax, "LOGISTIC": logistic, "SOFTMAX_ZERO": softmax_zero, "PROBIT": probit}.get(name)
    if fn is None:
        raise ValueError(f"unknown post_transform {name!r}")
    return fn(v)
