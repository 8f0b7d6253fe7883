"""Ahead of time: compile a model's Triton kernels for a GPU architecture on a machine without a GPU.

The plan runs once at the given input shapes with buffers on the CPU and every kernel launch
recorded instead of executed. Each recorded launch is then compiled the way Triton's JIT would
compile it on that GPU (same specialisation of the arguments, same options, so the same cache key)
into Triton's cache under the onnxjit cache root. A GPU machine that later opens a session on the
same cache folder loads those cubins instead of compiling.
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np


def parse_target(text: str):
    """'cuda:90' (or 'sm_90', '90') -> GPUTarget('cuda', 90, 32)."""
    from triton.backends.compiler import GPUTarget

    t = text.strip().lower()
    for prefix in ("cuda:", "sm_", "sm"):
        if t.startswith(prefix):
            t = t[len(prefix):]
            break
    if not t.isdigit():
        raise ValueError(f"unknown GPU target {text!r}: expected cuda:<compute capability>, e.g. cuda:90")
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


def compile_launch(fn: Any, args: tuple, meta: dict, target: Any) -> tuple[str, Any]:
    """(cache key, compiled kernel) for one launch, as JITFunction.run would compile it on `target`."""
    from triton import knobs
    from triton.compiler import ASTSource, compile, make_backend
    from triton.runtime.jit import compute_cache_key, create_function_from_signature

    backend = make_backend(target)
    kwargs = dict(meta)
    kwargs["debug"] = kwargs.get("debug", fn.debug) or knobs.runtime.debug
    for knob in ("instrumentation_mode", "fpsan_homomorphic_casts"):  # the second is Triton >= 3.7's
        if hasattr(knobs.compilation, knob):
            kwargs[knob] = getattr(knobs.compilation, knob)
    binder = create_function_from_signature(fn.signature, fn.params, backend)
    bound, specialization, options = binder(*args, **kwargs)
    key = f"{fn.__name__}:{compute_cache_key({}, specialization, options)}"
    options, signature, constexprs, attrs = fn._pack_args(backend, kwargs, bound, specialization, options)
    return key, compile(ASTSource(fn, signature, constexprs, attrs), target=target, options=options.__dict__)


def compile_executable(executable: Any, feeds: dict[str, np.ndarray], target: str,
                       progress: Callable[[int, int, str], None] | None = None) -> dict[str, Any]:
    """Record the launches of one run at the feeds' shapes and compile each distinct one."""
    from onnxjit.providers.triton.device import use_triton_cache

    gpu = parse_target(target)
    t0 = time.perf_counter()
    use_triton_cache(executable.cache_root)
    with recording(executable.module, executable.module_info.kernels) as sink:
        executable.run(feeds)
    done: dict[str, Any] = {}
    for i, (fn, args, meta) in enumerate(sink, 1):
        key, kernel = compile_launch(fn, args, meta, gpu)
        done.setdefault(key, kernel)
        if progress is not None:
            progress(i, len(sink), fn.__name__)
    cubins = sum(1 for k in done.values() if "cubin" in k.asm)
    return {"launches": len(sink), "kernels": len(done), "cubins": cubins, "target": target,
            "seconds": time.perf_counter() - t0, "triton_cache": str(executable.triton_cache)}


def compile_model(model: Any, target: str, shapes: dict[str, tuple[int, ...]] | None = None,
                  cache_dir: str | None = None, progress: Callable[[int, int, str], None] | None = None,
                  allow_tf32: bool = False) -> dict[str, Any]:
    """`onnxjit compile MODEL --provider triton --target cuda:90`: the model's session pipeline (load,
    optimise) as a GPU session would run it, then compile_executable at `shapes` (symbolic dims 1)."""
    import onnxjit
    from onnxjit.providers.triton.provider import TritonExecutable

    so = onnxjit.SessionOptions()
    if cache_dir:
        so.add_session_config_entry("onnxjit.cache_dir", str(Path(cache_dir).resolve()))
    sess = onnxjit.InferenceSession(model, so, providers=["ReferenceExecutionProvider"])
    ex = TritonExecutable(sess._model, {"session_options": so}, {"target": target, "allow_tf32": allow_tf32})
    feeds = {}
    for inp in sess.get_inputs():
        shape = (shapes or {}).get(inp.name) or tuple(d if isinstance(d, int) else 1 for d in inp.shape)
        dtype = {"tensor(float)": "float32", "tensor(double)": "float64", "tensor(int64)": "int64",
                 "tensor(int32)": "int32", "tensor(bool)": "bool"}.get(inp.type, "float32")
        feeds[inp.name] = np.zeros(shape, dtype=dtype)
    stats = compile_executable(ex, feeds, target, progress)
    stats.update(plan_kernels=len(ex.layout.kernel_index), host_steps=len(ex.plan.host_steps),
                 module=str(ex.path), feeds={k: list(v.shape) for k, v in feeds.items()})
    return stats
