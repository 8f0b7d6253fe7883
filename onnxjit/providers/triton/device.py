"""Where Triton kernels run and how their memory is held.

A CUDA GPU when torch sees one; otherwise, with TRITON_INTERPRET=1 in the environment, Triton's
interpreter on CPU torch tensors (numpy executes every program instance: slow, for tests). torch
only allocates memory and copies it between host and device here; it never computes a result.
"""
from __future__ import annotations

import functools
import glob
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


def interpret_mode() -> bool:
    """TRITON_INTERPRET set as Triton reads it (1/true/on/yes)."""
    return os.environ.get("TRITON_INTERPRET", "0").strip().lower() in ("1", "true", "on", "yes")


def _packages_present() -> bool:
    return importlib.util.find_spec("torch") is not None and importlib.util.find_spec("triton") is not None


@functools.lru_cache(maxsize=1)
def cuda_available() -> bool:
    """A CUDA GPU that torch can see. Importing torch costs seconds, so a machine with no NVIDIA
    device node, or without torch and triton installed, answers False without importing it."""
    if not (glob.glob("/dev/nvidia[0-9]*") or os.path.exists("/proc/driver/nvidia")):
        return False
    if not _packages_present():
        return False
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken CUDA install means no GPU
        return False


def triton_available() -> bool:
    """The Triton provider can run: on a CUDA GPU, or in the interpreter when TRITON_INTERPRET=1."""
    if interpret_mode():
        return _packages_present()
    return cuda_available()


def unavailable_reason() -> str:
    if not _packages_present():
        return "torch and triton are not installed"
    return "no CUDA GPU found; set TRITON_INTERPRET=1 to run Triton kernels in the interpreter on the CPU"


_TORCH_DTYPES = ("float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                 "uint64", "bool")


@dataclass
class Device:
    """The torch device buffers live on and the Triton target that kernels are compiled for."""
    torch_device: Any
    interpret: bool
    target: str          # "cuda:90" (GPU architecture) or "interpreter"
    ahead_of_time: bool = False  # compiling for `target` on a machine without it: launches are recorded

    @property
    def name(self) -> str:
        if self.ahead_of_time:
            return f"ahead-of-time compiler for {self.target} (buffers on the cpu, nothing runs)"
        return "triton-interpreter (cpu)" if self.interpret else f"{self.torch_device} ({self.target})"

    # --- memory ---------------------------------------------------------------------------------
    def empty(self, n: int, dtype: str):
        """A flat buffer of n elements (at least one is allocated: an empty view still has a valid
        address to pass to a kernel)."""
        import torch

        make = torch.zeros if self.ahead_of_time else torch.empty  # host steps may read them when compiling ahead
        return make(max(int(n), 1), dtype=torch_dtype(dtype), device=self.torch_device)[: int(n)]

    def upload(self, arr: np.ndarray):
        """A flat device copy of a host array."""
        import torch

        flat = np.ascontiguousarray(arr).reshape(-1)
        if flat.size == 0:
            return self.empty(0, str(flat.dtype))
        return torch.from_numpy(flat).to(self.torch_device, copy=True)

    @staticmethod
    def download(t, shape: tuple[int, ...] | None) -> np.ndarray:
        """A host copy of a device buffer, in `shape`."""
        arr = t.detach().to("cpu", copy=True).numpy()
        return arr.reshape(shape) if shape is not None else arr

    @staticmethod
    def is_tensor(v: Any) -> bool:
        return type(v).__module__.startswith("torch") and hasattr(v, "data_ptr")

    def adopt(self, t):
        """A caller's tensor as a flat buffer on this device (no copy when it already is one)."""
        if t.device != self.torch_device:
            t = t.to(self.torch_device)
        return t.reshape(-1) if t.is_contiguous() else t.contiguous().reshape(-1)

    def fits(self, t, n: int, dtype: str) -> bool:
        """`t` can hold a result of n elements of `dtype` in place."""
        return t is not None and self.is_tensor(t) and t.device == self.torch_device and t.is_contiguous() and \
            t.numel() == n and t.dtype == torch_dtype(dtype)

    @staticmethod
    def flat(t):
        return t.view(-1)

    @staticmethod
    def same_buffer(a, b) -> bool:
        return a.data_ptr() == b.data_ptr() and a.numel() == b.numel()

    def synchronize(self) -> None:
        if not self.interpret:
            import torch

            torch.cuda.synchronize(self.torch_device)


def torch_dtype(name: str):
    import torch

    if name not in _TORCH_DTYPES:
        raise TypeError(f"no device buffers for dtype {name}")
    return getattr(torch, name)


def current_device(target: str | None = None) -> Device:
    """The device kernels run on; with `target` ('cuda:90'), a stand-in that compiles for that GPU
    ahead of time (see aot.py) on any machine."""
    import torch

    if target:
        if interpret_mode():
            from onnxjit.errors import InvalidArgument

            raise InvalidArgument("compiling ahead of time for a GPU target needs TRITON_INTERPRET unset")
        return Device(torch.device("cpu"), False, target, ahead_of_time=True)
    if interpret_mode():
        return Device(torch.device("cpu"), True, "interpreter")
    if not cuda_available():
        from onnxjit.errors import Fail

        raise Fail(f"TritonExecutionProvider cannot run here: {unavailable_reason()}")
    major, minor = torch.cuda.get_device_capability()
    return Device(torch.device("cuda", torch.cuda.current_device()), False, f"cuda:{major}{minor}")


def use_triton_cache(root: Path) -> Path:
    """Point Triton's own cache (TRITON_CACHE_DIR, read when a kernel compiles) at the onnxjit cache
    root's `triton` folder; called before anything may compile, as sessions may use different roots.
    Triton's entries are trusted as the folder is: it must be the user's and writable by nobody else
    (as the root, checked by cache.cache_root); otherwise, with a warning, a private folder is used."""
    import warnings  # noqa: PLC0415

    from onnxjit.providers import cache  # noqa: PLC0415

    folder = root / "triton"
    try:
        cache.ensure_dir(folder)
        reason = cache.untrusted_dir(folder)
    except OSError as exc:
        reason = f"it cannot be created ({exc.strerror or exc})"
    if reason:
        private = cache.private_root() / "triton"
        if str(folder) not in cache._warned:  # once per folder: this runs before each new shape's launches
            cache._warned.add(str(folder))
            warnings.warn(f"onnxjit: not using Triton's cache folder {str(folder)!r}: {reason}; using {private}",
                          cache.CacheWarning, stacklevel=2)
        folder = private
        cache.ensure_dir(folder)
    os.environ["TRITON_CACHE_DIR"] = str(folder)
    from onnxjit.providers.triton import relocatable_cache  # noqa: PLC0415

    relocatable_cache.install()  # kernels are found by name in their folder: a moved cache still hits
    return folder
