"""The execution-provider interface and the provider names."""
from __future__ import annotations

import enum
from typing import Any, Protocol

from onnxjit.compiler.ir import Model


class ProviderName(str, enum.Enum):
    NUMBA = "NumbaExecutionProvider"
    TRITON = "TritonExecutionProvider"
    REFERENCE = "ReferenceExecutionProvider"


# onnxruntime's names, taken for the providers that do their job here: the GPU is Triton's, and the
# CPU is the compiled Numba provider's (code written for onnxruntime passes "CPUExecutionProvider"
# and means "run on the CPU", not "run slowly"). The numpy reference kernels answer only to their
# own name, and run whatever the chosen providers do not take.
CPU_ALIAS = "CPUExecutionProvider"
ALIASES: dict[str, ProviderName] = {"CUDAExecutionProvider": ProviderName.TRITON, CPU_ALIAS: ProviderName.NUMBA}


def truthy(value: Any) -> bool:
    """A provider option or session config value read as a flag ('1', 'true', 'yes', 'on')."""
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class Executable(Protocol):
    """What a provider returns for a model: a callable over a dict of feeds."""

    def run(self, feeds: dict[str, Any]) -> dict[str, Any]: ...


class ExecutionProvider(Protocol):
    name: ProviderName

    def prepare(self, model: Model, options: dict[str, Any]) -> Executable: ...
