"""The module path onnxruntime code imports its exceptions from:
``from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidArgument, ...``.

onnxjit has no native extension: this module re-exports the classes of ``onnxjit.errors`` (one class
per error, so ``except onnxjit.Fail`` and ``except onnxjit.capi.onnxruntime_pybind11_state.Fail`` catch
the same thing). The 15 names are onnxruntime's status classes, numbered as its ``OrtErrorCode``.
"""
from onnxjit.errors import (DeviceReset, EngineError, EPFail, Fail, InvalidArgument, InvalidGraph, InvalidProtobuf,
                            ModelLoadCanceled, ModelLoaded, ModelRequiresCompilation, NoModel, NoSuchFile, NotFound,
                            NotImplemented, RuntimeException)

__all__ = [
    "Fail", "InvalidArgument", "NoSuchFile", "NoModel", "EngineError", "RuntimeException", "InvalidProtobuf",
    "ModelLoaded", "NotImplemented", "InvalidGraph", "EPFail", "ModelLoadCanceled", "ModelRequiresCompilation",
    "NotFound", "DeviceReset",
]
