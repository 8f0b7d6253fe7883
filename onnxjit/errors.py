"""Exceptions shaped like onnxruntime's (``onnxruntime.capi.onnxruntime_pybind11_state``).

A leaf module so that every layer (compiler, providers, runtime) can raise them; the public API
re-exports them. Messages carry onnxruntime's prefix: ``[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : ...``.
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


__all__ = [
    "OnnxJitError", "Fail", "InvalidArgument", "NoSuchFile", "NoModel", "EngineError",
    "RuntimeException", "InvalidProtobuf", "ModelLoaded", "NotImplemented", "InvalidGraph", "EPFail",
]
