"""ReferenceExecutionProvider: the numpy reference kernels, node by node (the fallback for what the compiled providers do not take)."""
from __future__ import annotations

from typing import Any

from onnxjit.compiler.ir import Model
from onnxjit.providers.base import ProviderName
from onnxjit.providers.cpu.interpreter import GraphInterpreter


class CPUProvider:
    name = ProviderName.REFERENCE

    def prepare(self, model: Model, options: dict[str, Any]) -> GraphInterpreter:
        return GraphInterpreter(model.graph, model.opsets)
