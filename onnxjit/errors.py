"""Exceptions shaped like onnxruntime's (``onnxruntime.capi.onnxruntime_pybind11_state``).

A leaf module so that every layer (compiler, providers, runtime) can raise them; the public API
re-exports them. Messages carry onnxruntime's prefix: ``[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : ...``; the codes are
onnxruntime's C API ``OrtErrorCode`` values. As in onnxruntime 1.32 the status classes derive from
``Exception`` (through ``OnnxJitError``), not from ``RuntimeError``; ``onnxjit.capi.onnxruntime_pybind11_state``
re-exports these very classes.
"""
from __future__ import annotations


class OnnxJitError(Exception):
    """Common base of every onnxjit error."""

    code = 1
    status = "FAIL"

    def __init__(self, message: str):
        self.detail = message
        super().__init__(f"[ONNXRuntimeError] : {self.code} : {self.status} : {message}")


class Fail(OnnxJitError):
    code, status = 1, "FAIL"


class InvalidArgument(OnnxJitError):
    code, status = 2, "INVALID_ARGUMENT"


class NoSuchFile(OnnxJitError):
    code, status = 3, "NO_SUCHFILE"


class NoModel(OnnxJitError):
    code, status = 4, "NO_MODEL"


class EngineError(OnnxJitError):
    code, status = 5, "ENGINE_ERROR"


class RuntimeException(OnnxJitError):
    code, status = 6, "RUNTIME_EXCEPTION"


class InvalidProtobuf(OnnxJitError):
    code, status = 7, "INVALID_PROTOBUF"


class ModelLoaded(OnnxJitError):
    code, status = 8, "MODEL_LOADED"


class NotImplemented(OnnxJitError):  # noqa: A001 - mirrors onnxruntime's name
    code, status = 9, "NOT_IMPLEMENTED"


class InvalidGraph(OnnxJitError):
    code, status = 10, "INVALID_GRAPH"


class EPFail(OnnxJitError):
    code, status = 11, "EP_FAIL"


class ModelLoadCanceled(OnnxJitError):
    code, status = 12, "MODEL_LOAD_CANCELED"


class ModelRequiresCompilation(OnnxJitError):
    code, status = 13, "MODEL_REQUIRES_COMPILATION"


class NotFound(OnnxJitError):
    code, status = 14, "NOT_FOUND"


class DeviceReset(OnnxJitError):
    code, status = 15, "DEVICE_RESET"


class OrtRuntimeError(OnnxJitError, RuntimeError):
    """Where onnxruntime raises a plain ``RuntimeError`` rather than a status class: a config key that
    is empty or too long, a missing config entry, an unknown IOBinding input name, an unknown provider
    in ``set_providers``. Catchable as ``RuntimeError`` (what code written for onnxruntime catches) and
    as ``OnnxJitError``; the message is onnxruntime's, without the status prefix."""

    def __init__(self, message: str):
        self.detail = message
        Exception.__init__(self, message)


__all__ = [
    "OnnxJitError", "Fail", "InvalidArgument", "NoSuchFile", "NoModel", "EngineError",
    "RuntimeException", "InvalidProtobuf", "ModelLoaded", "NotImplemented", "InvalidGraph", "EPFail",
    "ModelLoadCanceled", "ModelRequiresCompilation", "NotFound", "DeviceReset", "OrtRuntimeError",
]
