"""The on-disk compile cache: content-addressed folders, atomic writes, corrupt entries rebuilt.

Layout: <root>/<provider>/<key>/ holds the generated module (`plan_<key>.py`) and the compiler's
artifacts beside it (Numba's `__pycache__`, Triton's cache dir). The key hashes the generated source
together with everything that changes the machine code (versions, CPU or GPU target). Numba kernels
have their own entries, <root>/numba/kernels/<key>/, shared by every plan that imports them.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import shutil
import tempfile
from pathlib import Path
from typing import IO, Iterator

MARKER = "# onnxjit-source-sha256: "


def cache_root(override: str | None = None) -> Path:
    root = override or os.environ.get("ONNXJIT_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "onnxjit")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def machine_fingerprint() -> str:
    """CPU name and features, as they decide what LLVM emits."""
    try:
        import llvmlite.binding as llvm

        return f"{llvm.get_host_cpu_name()}|{sorted(llvm.get_host_cpu_features().items())}"
    except Exception:  # noqa: BLE001
        return platform.machine() + platform.processor()


def cache_key(source: str, *parts: str) -> str:
    h = hashlib.sha256(source.encode())
    for p in parts:
        h.update(b"\0" + p.encode())
    return h.hexdigest()[:32]


@contextlib.contextmanager
def atomic_file(path: Path, mode: str = "w") -> Iterator[IO]:
    """A file that appears at `path` whole or not at all: written under a temporary name in the same
    folder, renamed over `path` when the block ends, removed if it raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp_", suffix=path.suffix)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, text: str) -> None:
    with atomic_file(path) as f:
        f.write(text)


def source_is_intact(path: Path) -> bool:
    """The module file ends with the hash of everything before it (a truncated or edited file fails)."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError):
        return False
    body, sep, tail = text.rpartition(MARKER)
    return bool(sep) and hashlib.sha256(body.encode()).hexdigest() == tail.strip()


def write_source(path: Path, source: str) -> bool:
    """Write the module unless an intact copy is there; True when written (anew or repaired)."""
    if path.exists() and source_is_intact(path):
        return False
    if path.parent.exists():
        shutil.rmtree(path.parent / "__pycache__", ignore_errors=True)
    atomic_write(path, source + "\n" + MARKER + hashlib.sha256((source + "\n").encode()).hexdigest() + "\n")
    return True


def purge(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
