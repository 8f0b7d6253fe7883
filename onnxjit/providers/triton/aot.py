"""Ahead of time: compile a model's Triton kernels for a GPU architecture on a machine without a GPU.

The plan runs once at the given input shapes with buffers on the CPU and every kernel launch
recorded instead of executed. Each recorded launch is then compiled the way Triton's JIT would
compile it on that GPU (same specialisation of the arguments, same options, so the same cache key)
into Triton's cache under the onnxjit cache root. A GPU machine that later opens a session on the
same cache folder loads those cubins instead of compiling; the folder may have been moved
(relocatable_cache.py). Several buckets of input shapes may be compiled: each bucket's launches are
recorded, and only the variants the folder does not hold yet are compiled (`compile_executable`
says how many were new).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MIN_CAPABILITY = 75  # Triton's NVIDIA backend: Turing (sm_75) and newer


def parse_target(text: str):
    """'cuda:90' (or 'sm_90', '90') -> GPUTarget('cuda', 90, 32); ValueError for anything else."""
    from triton.backends.compiler import GPUTarget

    t = str(text).strip().lower()
    for prefix in ("cuda:", "sm_", "sm"):
        if t.startswith(prefix):
            t = t[len(prefix):]
            break
    if not t.isdigit() or not MIN_CAPABILITY <= int(t) < 1000:
        raise ValueError(f"unknown GPU target {text!r}: expected cuda:<compute capability>, e.g. cuda:90 "
                         f"(Triton builds for {MIN_CAPABILITY // 10}.{MIN_CAPABILITY % 10} and newer)")
    return GPUTarget("cuda", int(t), 32)


class _Recorder:
    """Stands in for a @triton.jit kernel in a generated module: `kernel[grid](*args, **meta)` is
    appended to `sink` instead of launched."""

    def __init__(self, fn: Any, sink: list):
        self.fn, self.sink = fn, sink

    def __getitem__(self, grid: Any) -> Callable[..., None]:
        def launch(*args: Any, **meta: Any) -> None:
            self.sink.append((self.fn, args, meta))
        return launch


@contextlib.contextmanager
def recording(module: Any, kernels: list[str]) -> Iterator[list]:
    sink: list = []
    saved = {name: getattr(module, name) for name in kernels}
    try:
        for name, fn in saved.items():
            setattr(module, name, _Recorder(fn, sink))
        yield sink
    finally:
        for name, fn in saved.items():
            setattr(module, name, fn)


@dataclass
class Variant:
    """One kernel variant: a @triton.jit function at one specialisation of its arguments, as Triton's
    JIT would compile it for a launch on the target GPU. `cache_hash` is Triton's cache key for it
    (its compiled files lie in the cache folder named after it); it depends on the kernel's source,
    the specialisation, the options, the target and Triton itself, never on where the cache lies."""
    kernel: str
    cache_hash: str
    src: Any = field(repr=False)
    options: dict = field(repr=False)

    @property
    def group(self) -> str:
        """The name of the file that lists the variant's compiled files (Triton's metadata group)."""
        return f"{self.src.name[:150]}.json"


def variant_of(fn: Any, args: tuple, meta: dict, target: Any) -> Variant:
    """The variant one recorded launch needs, as JITFunction.run would specialise and key it on `target`
    (and as triton.compiler.compile keys its cache); nothing is compiled."""
    from triton import knobs
    from triton.compiler import ASTSource, make_backend
    from triton.runtime.cache import get_cache_key
    from triton.runtime.jit import create_function_from_signature

    try:
        from triton._C.libtriton import get_cache_invalidating_env_vars
    except ImportError:  # older Triton
        from triton.compiler.compiler import get_cache_invalidating_env_vars

    backend = make_backend(target)
    kwargs = dict(meta)
    kwargs["debug"] = kwargs.get("debug", fn.debug) or knobs.runtime.debug
    for knob in ("instrumentation_mode", "fpsan_homomorphic_casts"):  # the second is Triton >= 3.7's
        if hasattr(knobs.compilation, knob):
            kwargs[knob] = getattr(knobs.compilation, knob)
    binder = create_function_from_signature(fn.signature, fn.params, backend)
    bound, specialization, options = binder(*args, **kwargs)
    options, signature, constexprs, attrs = fn._pack_args(backend, kwargs, bound, specialization, options)
    src = ASTSource(fn, signature, constexprs, attrs)
    parsed = backend.parse_options(dict(options.__dict__, **src.parse_options()))
    key = get_cache_key(src, backend, parsed, get_cache_invalidating_env_vars())
    return Variant(fn.__name__, hashlib.sha256(key.encode("utf-8")).hexdigest(), src, options.__dict__)


def cached_files(variant: Variant) -> dict[str, str] | None:
    """The variant's compiled files in Triton's cache (TRITON_CACHE_DIR, use_triton_cache), or None
    when it is not there (a launch of it on the GPU would compile it)."""
    from triton.runtime.cache import get_cache_manager

    return get_cache_manager(variant.cache_hash).get_group(variant.group)


def compile_variant(variant: Variant, target: Any) -> Any:
    """Compile `variant` for `target` into Triton's cache (the Triton compiler; minutes for big kernels)."""
    from triton.compiler import compile

    return compile(variant.src, target=target, options=variant.options)


Recorded = dict[str, tuple[Variant, list[int]]]  # cache hash -> (variant, indices of the buckets that launch it)


def record_variants(executable: Any, buckets: list[dict[str, np.ndarray]], target: Any) -> tuple[int, Recorded]:
    """(launches, {cache hash: (variant, indices of the buckets that launch it)}) over one recorded run
    per bucket of feeds."""
    variants: dict[str, tuple[Variant, list[int]]] = {}
    launches = 0
    for b, feeds in enumerate(buckets):
        with recording(executable.module, executable.module_info.kernels) as sink:
            executable.run(feeds)
        launches += len(sink)
        for fn, args, meta in sink:
            v = variant_of(fn, args, meta, target)
            seen = variants.setdefault(v.cache_hash, (v, []))[1]
            if b not in seen:
                seen.append(b)
    return launches, variants


def compile_executable(executable: Any, buckets: dict[str, np.ndarray] | list[dict[str, np.ndarray]], target: str,
                       progress: Callable[[int, int, str], None] | None = None) -> dict[str, Any]:
    """Record the launches of one run per bucket of feeds and compile each distinct variant that the
    cache folder does not hold yet. The result says how many variants there are, how many were new
    (compiled now) and where each lies (relative to the cache root, so a moved folder still names them)."""
    from onnxjit.providers.triton.device import use_triton_cache

    gpu = parse_target(target)
    t0 = time.perf_counter()
    root = Path(executable.cache_root)
    triton_cache = use_triton_cache(root)
    launches, variants = record_variants(executable, [buckets] if isinstance(buckets, dict) else buckets, gpu)
    new = [v for v, _ in variants.values() if cached_files(v) is None]
    cubins = 0
    for i, v in enumerate(new, 1):
        kernel = compile_variant(v, gpu)
        if getattr(kernel, "hash", v.cache_hash) != v.cache_hash:
            raise RuntimeError(f"Triton keyed kernel {v.kernel} as {kernel.hash}, not {v.cache_hash} as "
                               "onnxjit predicted: this Triton version keys its cache differently")
        cubins += "cubin" in kernel.asm
        if progress is not None:
            progress(i, len(new), v.kernel)
    listed = []
    for v, used_by in variants.values():
        files = cached_files(v) or {}
        folder = os.path.dirname(next(iter(files.values()), "")) or str(triton_cache)
        try:
            rel = Path(folder).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:  # a private folder (the root was not usable) or a user's cache manager
            rel = folder
        listed.append({"kernel": v.kernel, "hash": v.cache_hash, "folder": rel, "buckets": sorted(used_by),
                       "files": sorted(files)})
    return {"launches": launches, "kernels": len(variants), "new": len(new), "cubins": cubins,
            "target": target, "seconds": time.perf_counter() - t0, "triton_cache": str(triton_cache),
            "variants": listed}


Shapes = dict[str, tuple[int, ...]]


def compile_model(model: Any, target: str, shapes: Shapes | list[Shapes] | None = None,
                  cache_dir: str | None = None, progress: Callable[[int, int, str], None] | None = None,
                  allow_tf32: bool = False) -> dict[str, Any]:
    """`onnxjit compile MODEL --provider triton --target cuda:90`: the model's session pipeline (load,
    optimise) as a GPU session would run it, then compile_executable at each bucket of `shapes` (one
    dict per bucket; symbolic dims 1 where a bucket does not give an input's shape)."""
    import onnxjit
    from onnxjit.providers.triton.provider import TritonExecutable

    so = onnxjit.SessionOptions()
    if cache_dir:
        so.add_session_config_entry("onnxjit.cache_dir", str(Path(cache_dir).resolve()))
    sess = onnxjit.InferenceSession(model, so, providers=["ReferenceExecutionProvider"])
    ex = TritonExecutable(sess._model, {"session_options": so}, {"target": target, "allow_tf32": allow_tf32})
    buckets = shapes if isinstance(shapes, list) else [shapes or {}]
    feeds = [zero_feeds(sess, b) for b in (buckets or [{}])]
    stats = compile_executable(ex, feeds, target, progress)
    stats.update(plan_kernels=len(ex.layout.kernel_index), host_steps=len(ex.plan.host_steps),
                 module=str(ex.path), cache_root=str(ex.cache_root),
                 buckets=[{k: list(v.shape) for k, v in f.items()} for f in feeds])
    return stats


def zero_feeds(sess: Any, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """Zero-filled inputs for `sess` at `shapes` (an input not named: its declared shape, symbolic
    dims 1)."""
    from onnxjit.compiler.dtypes import to_numpy_dtype

    feeds = {}
    for vi in sess._inputs:
        arg = next(a for a in sess.get_inputs() if a.name == vi.name)
        shape = shapes.get(vi.name)
        if shape is None:
            shape = tuple(d if isinstance(d, int) else 1 for d in arg.shape)
        tt = vi.type.tensor_type if vi.type is not None and vi.type.HasField("tensor_type") else None
        dtype = to_numpy_dtype(tt.elem_type) if tt is not None else np.dtype("float32")
        feeds[vi.name] = np.zeros(tuple(shape), dtype=dtype)
    return feeds
