"""What every compiling provider needs around a kernel plan: importing generated modules from the
cache (running the source expected, never what a file holds), the reference kernels of host steps,
and the shape steps each segment evaluates."""
from __future__ import annotations

import functools
import hashlib
import hmac
import importlib.util
import marshal
import os
import sys
from pathlib import Path
from typing import Any

from onnxjit.compiler.fusion.plan import KernelPlan, StepKind
from onnxjit.compiler.ir import Model
from onnxjit.compiler.ops.registry import lookup
from onnxjit.compiler.ops.unimplemented import unimplemented_op_error
from onnxjit.providers.cpu.interpreter import run_subgraph


BYTECODE_MAGIC = b"onnxjit-bytecode-v1\n"


def bytecode_path(path: Path) -> Path:
    """Where the bytecode of the generated module at `path` is kept: its folder's `__pycache__`, under
    a name of its own (the format is not Python's: see `import_generated`)."""
    return path.parent / "__pycache__" / f"{path.stem}.{sys.implementation.cache_tag}.onnxjit.pyc"


def import_generated(name: str, path: Path, source: str, key: bytes | None = None) -> Any:
    """Import a generated module whose file at `path` holds `source` (Numba's cache and Triton's
    compiler need a real file; cache.write_source makes it hold that text).

    The module runs `source`, the text the caller rendered or verified, never whatever the file
    holds by then. Its bytecode is kept beside it in the cache (a warm session would otherwise compile
    each module's source again, ~10 ms for a ResNet's), authenticated with the cache root's secret
    `key` over the source's hash, the path and the interpreter's bytecode magic: bytecode that does
    not verify (damaged, stale, or planted) is never unmarshalled, but compiled again from `source`
    and written anew. Without a key nothing is kept."""
    if name in sys.modules:
        return sys.modules[name]
    code = _load_bytecode(path, source, key) if key is not None else None
    if code is None:
        code = compile(source, str(path), "exec", dont_inherit=True)
        if key is not None:
            _save_bytecode(path, source, key, code)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 - the expected source, or bytecode authenticated as its
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _bytecode_mac(path: Path, source: str, key: bytes, data: bytes) -> bytes:
    message = b"\0".join([importlib.util.MAGIC_NUMBER, str(path).encode(),
                          hashlib.sha256(source.encode()).digest(), data])
    return hmac.new(key, message, hashlib.sha256).digest()


def _load_bytecode(path: Path, source: str, key: bytes) -> Any | None:
    try:
        fd = os.open(bytecode_path(path), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with open(fd, "rb") as f:
            blob = f.read()
        head = len(BYTECODE_MAGIC) + 32
        if blob[:len(BYTECODE_MAGIC)] != BYTECODE_MAGIC or len(blob) < head:
            return None
        if not hmac.compare_digest(blob[len(BYTECODE_MAGIC):head], _bytecode_mac(path, source, key, blob[head:])):
            return None
        return marshal.loads(blob[head:])
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _save_bytecode(path: Path, source: str, key: bytes, code: Any) -> None:
    from onnxjit.providers import cache  # noqa: PLC0415

    data = marshal.dumps(code)
    try:
        with cache.atomic_file(bytecode_path(path), "wb") as f:
            f.write(BYTECODE_MAGIC + _bytecode_mac(path, source, key, data) + data)
    except OSError:
        pass  # the next session compiles the source again


def host_op(plan: KernelPlan, model: Model, k: int) -> Any:
    """The reference kernel that runs host step `k`; control-flow ops get the subgraph runner."""
    node = plan.steps[k].nodes[0]
    opset = node.opset or model.opset(node.domain)
    cls = lookup(node.domain, node.op_type, opset)
    if cls is None:
        raise unimplemented_op_error(node.domain, node.op_type, opset, node.name)
    return cls(node, opset, runner=functools.partial(run_subgraph, opsets=model.opsets))


def shape_steps_per_segment(plan: KernelPlan) -> list[list]:
    """The SHAPE steps of each segment (segments are separated by host steps)."""
    per: list[list] = [[]]
    for s in plan.steps:
        if s.kind is StepKind.HOST:
            per.append([])
        elif s.kind is StepKind.SHAPE:
            per[-1].append(s)
    return per
