"""onnxruntime's ``capi`` package path, so that code importing from it works with onnxjit.

``onnxjit.capi.onnxruntime_pybind11_state`` holds the exception classes, as
``onnxruntime.capi.onnxruntime_pybind11_state`` does; they are the classes of ``onnxjit.errors``.
"""
from onnxjit.capi import onnxruntime_pybind11_state

__all__ = ["onnxruntime_pybind11_state"]
