"""TritonExecutionProvider: the kernel plan compiled to Triton kernels (NVIDIA GPUs; the Triton
interpreter on the CPU when TRITON_INTERPRET=1)."""
from onnxjit.providers.triton.provider import TritonExecutable, TritonProvider

__all__ = ["TritonExecutable", "TritonProvider"]
