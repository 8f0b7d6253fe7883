"""Session options stored in the model: metadata_props['ort_config'] = '{"session_options": {...}}'.

onnxruntime reads them when the environment variable ORT_LOAD_CONFIG_FROM_MODEL is "1" (onnxjit also
when the session config entry 'session.load_config_from_model' is "1"; onnxruntime 1.32 ignores that
entry). Measured on onnxruntime 1.32, and done the same way here:
- the session's options become the *default* options plus the model's: everything the caller set
  (config entries, free-dimension overrides, initializers, ...) is dropped, even when the model
  holds no ort_config;
- read keys: intra_op_num_threads, inter_op_num_threads (integers >= 0), execution_mode (0, 1),
  graph_optimization_level (0, 1, 2, 3, 99), enable_profiling (0, 1); other keys are ignored;
- a value of another type or range, or an ort_config that is not JSON, fails session creation.
"""
from __future__ import annotations

import json
import os
from typing import Any

from onnx import ModelProto

from onnxjit.errors import InvalidArgument
from onnxjit.runtime.options import ExecutionMode, GraphOptimizationLevel, SessionOptions

ENV_VAR = "ORT_LOAD_CONFIG_FROM_MODEL"
CONFIG_KEY = "session.load_config_from_model"
METADATA_KEY = "ort_config"


class ModelConfigError(InvalidArgument, RuntimeError):
    """The model's ort_config cannot be used (onnxruntime raises RuntimeError here; this is both)."""


def loads_config_from_model(options: SessionOptions) -> bool:
    return os.environ.get(ENV_VAR, "").strip() == "1" or options._config.get(CONFIG_KEY) == "1"


def options_from_model(proto: ModelProto) -> SessionOptions:
    """Default SessionOptions with the model's ort_config session options applied."""
    options = SessionOptions()
    text = next((p.value for p in proto.metadata_props if p.key == METADATA_KEY), None)
    if text is None:
        return options
    try:
        config = json.loads(text)
    except ValueError as exc:
        raise ModelConfigError(f"Json stored in the `{METADATA_KEY}` key cannot be parsed. Error message: {exc}") from exc
    settings = config.get("session_options") if isinstance(config, dict) else None
    if not isinstance(settings, dict):
        return options
    for key, value in settings.items():
        if key in _SETTERS:
            if not isinstance(value, int) or isinstance(value, bool):
                raise ModelConfigError(f"{key} option in the model file must be an integer")
            _SETTERS[key](options, value)
    return options


def _threads(attr: str):
    def set_threads(options: SessionOptions, value: int) -> None:
        if value < 0:
            raise ModelConfigError(f"Unsupported value for {attr}: {value}")
        setattr(options, attr, value)
    return set_threads


def _execution_mode(options: SessionOptions, value: int) -> None:
    if value not in (0, 1):
        raise ModelConfigError(f"Unsupported execution_mode value in ORT config: {value}")
    options.execution_mode = ExecutionMode(value)


def _optimization_level(options: SessionOptions, value: int) -> None:
    if value not in {int(level) for level in GraphOptimizationLevel}:
        raise ModelConfigError(f"Unsupported graph_optimization_level value in ORT config: {value}")
    options.graph_optimization_level = GraphOptimizationLevel(value)


def _profiling(options: SessionOptions, value: int) -> None:
    if value not in (0, 1):
        raise ModelConfigError(f"Unsupported value for enable_profiling option: {value}")
    options.enable_profiling = bool(value)


_SETTERS: dict[str, Any] = {
    "intra_op_num_threads": _threads("intra_op_num_threads"),
    "inter_op_num_threads": _threads("inter_op_num_threads"),
    "execution_mode": _execution_mode,
    "graph_optimization_level": _optimization_level,
    "enable_profiling": _profiling,
}
