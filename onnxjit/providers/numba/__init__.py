"""NumbaExecutionProvider: the kernel plan compiled to Numba (LLVM) on the CPU."""
from onnxjit.providers.numba.provider import NumbaExecutable, NumbaProvider

__all__ = ["NumbaExecutable", "NumbaProvider"]
