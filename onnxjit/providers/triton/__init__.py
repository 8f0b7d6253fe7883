"""TritonExecutionProvider: the kernel plan compiled to Triton kernels (NVIDIA GPUs; the Triton
interpreter on the CPU when TRITON_INTERPRET=1).

The provider module (and the Triton code generator it imports) loads on first use of its names:
asking `device.triton_available()` on a machine without a GPU imports only `device`."""
from __future__ import annotations

from typing import Any

__all__ = ["TritonExecutable", "TritonProvider"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from onnxjit.providers.triton import provider

        return getattr(provider, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
