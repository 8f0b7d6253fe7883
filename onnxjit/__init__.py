"""onnxjit: an ONNX runtime that compiles models (Numba on CPU, Triton on GPU) behind onnxruntime's API.

    import onnxjit as ort
    sess = ort.InferenceSession("model.onnx")
    y, = sess.run(None, {"x": x})

Fusion research (README "Fusion research"): ``onnxjit.plan(model, policy=onnxjit.FusionPolicy(...))``
returns the kernel plan a session would compile, without compiling it.

The names that need onnx (the session, options, values, the planner) are imported on first use
(PEP 562 ``__getattr__``), so that ``import onnxjit`` and ``onnxjit --help`` stay fast; ``dir()``,
``from onnxjit import X`` and ``onnxjit.X`` see them as before.
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

from onnxjit import errors
from onnxjit.errors import (DeviceReset, EngineError, EPFail, Fail, InvalidArgument, InvalidGraph, InvalidProtobuf,
                            ModelLoadCanceled, ModelLoaded, ModelRequiresCompilation, NoModel, NoSuchFile, NotFound,
                            NotImplemented, OnnxJitError, OrtRuntimeError, RuntimeException)
from onnxjit import capi  # onnxruntime's module path for the exceptions: onnxjit.capi.onnxruntime_pybind11_state

# public name -> the module that defines it (imported on first use); a module name alone: the module
_LAZY: dict[str, str] = {
    **dict.fromkeys(("ModelMetadata", "NodeArg"), "onnxjit.runtime.metadata"),
    **dict.fromkeys(("ExecutionMode", "ExecutionOrder", "GraphOptimizationLevel", "OrtAllocatorType", "OrtMemType",
                     "OrtSparseFormat", "RunOptions", "SessionOptions"), "onnxjit.runtime.options"),
    "InferenceSession": "onnxjit.runtime.session",
    **dict.fromkeys(("IOBinding", "SessionIOBinding"), "onnxjit.runtime.iobinding"),
    "OrtValue": "onnxjit.runtime.ortvalue",
    "SparseTensor": "onnxjit.runtime.sparse",
    **dict.fromkeys(("OrtArenaCfg", "OrtDevice", "OrtDeviceMemoryType", "OrtDeviceVendorId", "OrtMemoryInfo",
                     "OrtMemoryInfoDeviceType", "create_and_register_allocator", "create_and_register_allocator_v2",
                     "has_collective_ops"), "onnxjit.runtime.device"),
    "backend": "onnxjit.backend",   # the ONNX backend API: onnxjit.backend.prepare/run
    "load_artifact": "onnxjit.runtime.artifact",  # a folder `onnxjit compile -o` wrote
    # fusion research
    "plan": "onnxjit.runtime.planning",
    "FusionPolicy": "onnxjit.compiler.fusion.policy",
    **dict.fromkeys(("KernelPlan", "FusionDecision"), "onnxjit.compiler.fusion.plan"),
    "GreedyFusion": "onnxjit.compiler.fusion.planner",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'onnxjit' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if module == f"{__name__}.{name}" else getattr(mod, name)
    globals()[name] = value  # once imported, a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

version = __version__
package_name = "onnxjit"
# onnxruntime keeps here the exception its native module raised on import (None when it loaded);
# onnxjit has no native module, so there is never one
import_capi_exception: Exception | None = None


def get_available_providers() -> list[str]:
    from onnxjit.runtime.providers import available_providers

    return available_providers()


def get_all_providers() -> list[str]:
    from onnxjit.runtime.providers import ALL_PROVIDERS

    return list(ALL_PROVIDERS)


def get_device() -> str:
    """'GPU' when a CUDA GPU can run the Triton provider, else 'CPU' (as onnxruntime reports)."""
    from onnxjit.runtime.providers import gpu_available

    return "GPU" if gpu_available() else "CPU"


def get_version_string() -> str:
    return __version__


def get_build_info() -> str:
    return f"onnxjit {__version__} (numba CPU JIT, triton GPU JIT)"


def set_seed(seed: int) -> None:
    """Seed the random-number ops (RandomNormal, Bernoulli, ...) without a seed attribute in the
    sessions created after this call: the same seed gives the same numbers (see ops/ai_onnx/_random.py)."""
    from onnxjit.compiler.ops.ai_onnx._random import set_seed as _set_op_seed

    _set_op_seed(seed)


def set_default_logger_severity(level: int) -> None:
    _logger_state["severity"] = int(level)


def set_default_logger_verbosity(level: int) -> None:
    _logger_state["verbosity"] = int(level)


_logger_state: dict[str, int] = {"severity": 2, "verbosity": 0}


def print_debug_info() -> None:
    """Print what helps debugging: onnxjit's version, the platform, and the versions of the packages
    that compile and run the kernels."""
    import platform  # noqa: PLC0415
    from importlib.metadata import PackageNotFoundError, version as _pkg_version  # noqa: PLC0415

    print(f"{package_name} version: {__version__}")
    print("platform:", platform.platform())
    print("python:", platform.python_version())
    for pkg in ("numpy", "onnx", "numba", "llvmlite", "triton", "torch"):
        try:
            print(f"{pkg}=={_pkg_version(pkg)}")
        except PackageNotFoundError:
            print(f"{pkg}: not installed")
    print("available providers:", ", ".join(get_available_providers()))


def disable_telemetry_events() -> None:
    """onnxjit sends no telemetry; kept for API parity."""


def enable_telemetry_events() -> None:
    """onnxjit sends no telemetry; kept for API parity."""


__all__ = sorted({n for n in globals() if not n.startswith("_") and n not in ("annotations", "importlib", "Any")}
                 | set(_LAZY))
