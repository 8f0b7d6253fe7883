"""CPUExecutionProvider: the numpy reference kernels, node by node."""
from __future__ import annotations

from typing import Any

from onnxjit.compiler.ir import Model
from onnxjit.providers.base import ProviderName
from onnxjit.providers.cpu.interpreter import GraphInterpreter


class CPUProvider:
    name = ProviderName.CPU

    def prepare(self, model: Model, options: dict[str, Any]) -> GraphInterpreter:
        return GraphInterpreter(model.graph, model.opsets)
