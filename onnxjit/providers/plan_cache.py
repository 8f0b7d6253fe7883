"""Prepared plans on disk: what a session builds before it compiles anything (the optimised model,
the kernel plan, its layout and generated source), so that a later session on the same model and
options skips the graph passes, the planner, the layout and code generation.

One entry is one file, <root>/<provider>/plans/<key>.plan, written atomically:

    MAGIC | header length (8 bytes, little-endian) | JSON header | MAC (32 bytes) | pickle | constant arenas

The header gives the pickle's place and sha256 and each arena's place (4096-byte aligned); the MAC is
an HMAC-SHA256, with the cache root's secret key (cache.secret_key), over everything before it, so it
vouches for the header and, through the header's sha256, for the pickle. Unpickling runs code: an
entry whose MAC does not verify (damaged, written with another key, or planted by someone else) is
never unpickled and counts as a miss. Arenas are mapped copy-on-write rather than read, so a warm
session touches only the pages its kernels read; the constants the plan and the model hold come back
as views of them (`persistent_id`), stored once. A file that is short, altered where it is checked, or
fails to load is a miss, and the session that misses writes it again. A same-size change inside an
arena is not detected (as a change in a cached function's machine code is not); arenas hold numbers,
never code. The key covers the model's bytes, the options that shape the plan, the library versions
and onnxjit's own source, so an entry is never read by code that did not write it. Entries past
`MAX_BYTES` in all are evicted, least recently used first.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import io
import json
import mmap
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from onnxjit.providers import cache

MAGIC = b"onnxjit-plan-v2\n"
MAC_BYTES = 32
ALIGN = 4096
MAX_BYTES = 4 << 30


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """sha256 over the name, size and modification time (ns) of each of onnxjit's source files: a
    change to any pass, planner or generator changes what an entry holds. (Python itself trusts a
    file's mtime in seconds and size for its bytecode; reading every file cost a warm start 10-15 ms.)"""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    h = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            st = os.stat(os.path.join(folder, name))
            h.update(f"{os.path.relpath(folder, root)}/{name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def plan_key(model_digest: str, *parts: str) -> str:
    h = hashlib.sha256(model_digest.encode())
    for p in (*parts, code_digest()):
        h.update(b"\0" + p.encode())
    return h.hexdigest()[:32]


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, placed: dict[int, tuple]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.placed = placed

    def persistent_id(self, obj: Any) -> tuple | None:
        return self.placed.get(id(obj)) if isinstance(obj, np.ndarray) else None


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, arenas: dict[str, np.ndarray]):
        super().__init__(file)
        self.arenas = arenas

    def persistent_load(self, pid: tuple) -> np.ndarray:
        dt, offset, size, shape = pid
        return self.arenas[dt][offset:offset + size].reshape(shape)


def _mac(key: bytes, head: bytes) -> bytes:
    return hmac.new(key, head, hashlib.sha256).digest()


def save(path: Path, state: Any, arenas: dict[str, np.ndarray], placed: dict[int, tuple],
         key: bytes) -> None:
    """Write `state` (pickled) and the arenas to `path`. `placed` maps id(array) to (dtype, offset,
    size, shape) for arrays whose values lie in an arena there; they are stored as those places.
    The arenas are themselves stored as places, so anything that holds them gets them back. `key`
    authenticates the entry (the secret key of the cache root it lies in: cache.secret_key)."""
    places = dict(placed)
    for dt, arena in arenas.items():
        places[id(arena)] = (dt, 0, arena.size, arena.shape)
    buf = io.BytesIO()
    _Pickler(buf, places).dump(state)
    blob = buf.getvalue()
    # the header's size depends on the offsets: everything goes after a generous bound for it
    offset = _aligned(len(MAGIC) + 8 + 4096 + 64 * len(arenas))
    header = {"pickle": [offset, len(blob), hashlib.sha256(blob).hexdigest()], "arenas": {}}
    offset = _aligned(offset + len(blob))
    for dt, arena in arenas.items():
        header["arenas"][dt] = [offset, int(arena.size)]
        offset = _aligned(offset + arena.nbytes)
    text = json.dumps(header).encode()
    if len(MAGIC) + 8 + len(text) + MAC_BYTES > header["pickle"][0]:
        return  # cannot happen with the bound above; never write a file that would not load
    head = MAGIC + len(text).to_bytes(8, "little") + text
    with cache.atomic_file(path, "wb") as f:
        f.write(head + _mac(key, head))
        f.seek(header["pickle"][0])
        f.write(blob)
        for dt, arena in arenas.items():
            f.seek(header["arenas"][dt][0])
            f.write(np.ascontiguousarray(arena).data)
        f.truncate(offset)
    _evict(path.parent, keep=path)


def load(path: Path, key: bytes) -> Any | None:
    """The state saved at `path`, its arrays views of the arenas mapped from the file; None when the
    entry is missing, damaged, or not authenticated by `key` (as `save`), or when the file is not
    the user's alone."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with open(fd, "rb") as f:
            st = os.fstat(fd)
            if cache.untrusted_file(st, path):
                return None
            head = f.read(len(MAGIC) + 8)
            if len(head) < len(MAGIC) + 8 or head[:len(MAGIC)] != MAGIC:
                return None
            n = int.from_bytes(head[len(MAGIC):], "little")
            if n > 1 << 20:
                return None
            text = f.read(n)
            mac = f.read(MAC_BYTES)
            if len(text) != n or not hmac.compare_digest(mac, _mac(key, head + text)):
                return None
            header = json.loads(text)
            size = st.st_size
            p_off, p_len, p_sha = header["pickle"]
            ends = [p_off + p_len] + [off + n * np.dtype(dt).itemsize for dt, (off, n) in header["arenas"].items()]
            if max(ends) > size:
                return None
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
        blob = mapped[p_off:p_off + p_len]
        if hashlib.sha256(blob).hexdigest() != p_sha:
            return None
        arenas = {dt: np.frombuffer(mapped, dtype=np.dtype(dt), count=n, offset=off)
                  for dt, (off, n) in header["arenas"].items()}
        state = _Unpickler(io.BytesIO(blob), arenas).load()
    except Exception:  # noqa: BLE001 - any damage is a miss; the session builds and writes it again
        return None
    try:
        os.utime(path)  # recently used: kept when the store is trimmed
    except OSError:
        pass
    return state


def _aligned(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def _evict(folder: Path, keep: Path) -> None:
    """Delete the least recently used entries while the folder holds more than MAX_BYTES."""
    try:
        entries = [(e.stat().st_mtime, e.stat().st_size, Path(e.path)) for e in os.scandir(folder)
                   if e.name.endswith(".plan") and not e.name.startswith(".tmp_")]
    except OSError:
        return
    total = sum(size for _, size, _ in entries)
    for _, size, p in sorted(entries):
        if total <= MAX_BYTES:
            break
        if p != keep:
            p.unlink(missing_ok=True)
            total -= size
