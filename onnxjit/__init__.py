"""onnxjit: an ONNX runtime that compiles models (Numba on CPU, Triton on GPU) behind onnxruntime's API.

    import onnxjit as ort
    sess = ort.InferenceSession("model.onnx")
    y, = sess.run(None, {"x": x})
"""
from __future__ import annotations

__version__ = "0.1.0"

from onnxjit import errors
from onnxjit.errors import (EngineError, EPFail, Fail, InvalidArgument, InvalidGraph, InvalidProtobuf,
                            ModelLoaded, NoModel, NoSuchFile, NotImplemented, OnnxJitError, RuntimeException)
from onnxjit.runtime.metadata import ModelMetadata, NodeArg
from onnxjit.runtime.options import (ExecutionMode, ExecutionOrder, GraphOptimizationLevel, OrtAllocatorType,
                                     OrtMemType, OrtSparseFormat, RunOptions, SessionOptions)
from onnxjit.runtime.session import InferenceSession
from onnxjit.runtime.iobinding import IOBinding
from onnxjit.runtime.ortvalue import OrtValue
from onnxjit.runtime.providers import ALL_PROVIDERS as _ALL, available_providers as _available

version = __version__


def get_available_providers() -> list[str]:
    return _available()


def get_all_providers() -> list[str]:
    return list(_ALL)


def get_device() -> str:
    """'GPU' when a CUDA GPU can run the Triton provider, else 'CPU' (as onnxruntime reports)."""
    from onnxjit.runtime.providers import gpu_available

    return "GPU" if gpu_available() else "CPU"


def get_version_string() -> str:
    return __version__


def get_build_info() -> str:
    return f"onnxjit {__version__} (numba CPU JIT, triton GPU JIT)"


_seed: list[int | None] = [None]


def set_seed(seed: int) -> None:
    """Seed for the random-number ops (RandomNormal, Bernoulli, ...) that have no seed attribute."""
    _seed[0] = int(seed)


def set_default_logger_severity(level: int) -> None:
    _logger_state["severity"] = int(level)


def set_default_logger_verbosity(level: int) -> None:
    _logger_state["verbosity"] = int(level)


_logger_state: dict[str, int] = {"severity": 2, "verbosity": 0}


def disable_telemetry_events() -> None:
    """onnxjit sends no telemetry; kept for API parity."""


def enable_telemetry_events() -> None:
    """onnxjit sends no telemetry; kept for API parity."""
from onnxjit import backend  # noqa: E402  (the ONNX backend API: onnxjit.backend.prepare/run)
