from onnxjit.providers.cpu.interpreter import GraphInterpreter
from onnxjit.providers.cpu.provider import CPUProvider

__all__ = ["CPUProvider", "GraphInterpreter"]
