"""Validation and conversion of run() feeds against the model's inputs."""
from __future__ import annotations

from typing import Any

import numpy as np

from onnxjit.compiler.dtypes import ort_type_name, to_numpy_dtype
from onnxjit.compiler.ir import ValueInfo
from onnxjit.errors import InvalidArgument


class MissingInput(InvalidArgument, ValueError):
    """A required input is missing (onnxruntime raises ValueError here; this is both)."""


def _as_array(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "numpy") and callable(value.numpy):  # OrtValue or torch tensor
        return value.numpy()
    return np.asarray(value)


def check_feeds(feed: dict[str, Any], required: list[ValueInfo], optional: dict[str, ValueInfo],
                overrides: dict[str, int]) -> dict[str, Any]:
    """Converted feeds; raises InvalidArgument naming the input on any mismatch."""
    if not isinstance(feed, dict):
        raise InvalidArgument(f"input_feed must be a dict of name to value, got {type(feed).__name__}")
    known = {vi.name: vi for vi in required} | optional
    # a missing input first (ValueError), then an unknown name (InvalidArgument): onnxruntime's order
    missing = [vi.name for vi in required if vi.name not in feed]
    if missing:
        raise MissingInput(f"Required inputs ({missing}) are missing from input feed ({list(feed)}).")
    for name in feed:
        if name not in known:
            raise InvalidArgument(f"Invalid input name: {name}. Model inputs: {sorted(known)}")
    out: dict[str, Any] = {}
    for name, value in feed.items():
        out[name] = _check_one(name, value, known[name], overrides)
    return out


def _check_one(name: str, value: Any, vi: ValueInfo, overrides: dict[str, int]) -> Any:
    kind = vi.kind
    if kind == "sequence_type":
        if not isinstance(value, (list, tuple)):
            raise InvalidArgument(f"Input {name} expects a sequence (list), got {type(value).__name__}")
        return [np.asarray(v) for v in value]
    if kind == "optional_type":
        if value is None:
            return None
        if isinstance(value, (list, tuple)):
            return [np.asarray(v) for v in value]
        return _as_array(value)
    if kind == "map_type":
        return value
    if vi.elem_type is not None and not isinstance(value, np.ndarray) and isinstance(value, (list, tuple, int, float, bool)):
        # Python lists and numbers take the input's type, as onnxruntime converts them.
        expected = to_numpy_dtype(vi.elem_type)
        value = np.asarray(value, dtype=expected if expected != object else None)
    arr = _as_array(value)
    if vi.elem_type is not None:
        expected = to_numpy_dtype(vi.elem_type)
        if expected == object:
            if arr.dtype.kind in "US":
                arr = arr.astype(object)
            ok = arr.dtype == object
        else:
            ok = arr.dtype == expected
        if not ok:
            raise InvalidArgument(
                f"Unexpected input data type for input {name}. Actual: (tensor({_type_name(arr.dtype)})) , "
                f"expected: (tensor({ort_type_name(vi.elem_type)}))")
    shape = vi.shape
    if shape is not None:
        if arr.ndim != len(shape):
            raise InvalidArgument(
                f"Invalid rank for input: {name} Got: {arr.ndim} Expected: {len(shape)} "
                "Please fix either the inputs/outputs or the model.")
        bad = []
        for i, (got, want) in enumerate(zip(arr.shape, shape)):
            if isinstance(want, str) and want in overrides:
                want = overrides[want]
            if isinstance(want, int) and got != want:
                bad.append(f" index: {i} Got: {got} Expected: {want}")
        if bad:
            raise InvalidArgument(
                f"Got invalid dimensions for input: {name} for the following indices\n" + "\n".join(bad)
                + "\n Please fix either the inputs/outputs or the model.")
    return arr


def _type_name(dtype: np.dtype) -> str:
    from onnxjit.compiler.dtypes import from_numpy_dtype

    try:
        return ort_type_name(from_numpy_dtype(dtype))
    except Exception:  # noqa: BLE001
        return str(dtype)
