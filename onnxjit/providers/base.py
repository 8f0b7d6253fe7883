"""The execution-provider interface and the provider names."""
from __future__ import annotations

import enum
from typing import Any, Protocol

from onnxjit.compiler.ir import Model


class ProviderName(str, enum.Enum):
    NUMBA = "NumbaExecutionProvider"
    TRITON = "TritonExecutionProvider"
    CPU = "CPUExecutionProvider"


# Names other runtimes use for the same providers.
ALIASES: dict[str, ProviderName] = {"CUDAExecutionProvider": ProviderName.TRITON}


class Executable(Protocol):
    """What a provider returns for a model: a callable over a dict of feeds."""

    def run(self, feeds: dict[str, Any]) -> dict[str, Any]: ...


class ExecutionProvider(Protocol):
    name: ProviderName

    def prepare(self, model: Model, options: dict[str, Any]) -> Executable: ...
