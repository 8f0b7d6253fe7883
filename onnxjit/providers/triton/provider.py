"""TritonExecutionProvider: plan -> generated Triton module -> on-disk cache -> launches.

The plan, layout and per-shape binding are the Numba provider's (backend-neutral); what differs is
where buffers live (torch tensors on the GPU, or on the CPU under TRITON_INTERPRET=1) and that each
kernel step is a Python launcher call. Steps without a Triton lowering are host steps: they run the
op's numpy `reference` with copies to and from the device, counted in `transfers` and `describe()`.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from onnxjit.compiler.codegen import triton_gen
from onnxjit.compiler.codegen.triton_gen import GenOptions, render_triton
from onnxjit.compiler.fusion import build_plan, resolve_planner
from onnxjit.compiler.fusion.binding import SegmentBinding, bind_segment_after
from onnxjit.compiler.fusion.layout import KERNEL_KINDS, Layout, Segment, build_layout
from onnxjit.compiler.fusion.plan import KernelPlan, StepKind
from onnxjit.compiler.ir import Model, outer_scope_names
from onnxjit.errors import Fail, OnnxJitError, RuntimeException
from onnxjit.providers import cache, code_log, run_control
from onnxjit.providers.base import ProviderName, truthy
from onnxjit.providers.plan_support import host_op, import_generated, shape_steps_per_segment
from onnxjit.providers.profile_events import KernelTimes, event_name, step_args
from onnxjit.providers.triton.device import Device, current_device, use_triton_cache


# Input-shape signatures whose bindings (and their launches' work buffers) a session keeps.
BINDING_TABLE_SIZE = 64


class TritonProvider:
    name = ProviderName.TRITON

    def __init__(self, options: dict[str, Any] | None = None):
        self.options = options or {}

    def prepare(self, model: Model, options: dict[str, Any]) -> TritonExecutable:
        return TritonExecutable(model, options, self.options)


def _versions(dev: Device) -> list[str]:
    """What besides the source decides the module's behaviour (torch only holds memory: not in it)."""
    import triton

    from onnxjit import __version__

    return [f"onnxjit={__version__}", f"triton={triton.__version__}", f"target={dev.target}"]


class TritonExecutable:
    """A compiled model: the plan, its generated Triton module, per-input-shape bindings."""

    name = ProviderName.TRITON.value
    # the session's profiler (runtime/profiling.py) when SessionOptions.enable_profiling; set by the session
    profiler: Any = None

    def __init__(self, model: Model, session_options: dict[str, Any], provider_options: dict[str, Any]):
        t0 = time.perf_counter()
        so = session_options.get("session_options")
        config = getattr(so, "_config", {}) if so is not None else {}
        self.model = model
        self.device = current_device(provider_options.get("target"))
        # the provider option 'fusion_policy', else the session's onnxjit.fusion.* knobs (policy.py)
        policy = resolve_planner(provider_options.get("fusion_policy"), config, triton_gen.supports)
        self.plan: KernelPlan = build_plan(model, policy)
        self.layout: Layout = build_layout(self.plan)
        tf32 = truthy(provider_options.get("allow_tf32", config.get("onnxjit.triton_allow_tf32", "0")))
        self.module_info = render_triton(self.plan, self.layout, GenOptions("tf32" if tf32 else "ieee"))
        code_log.emit(self.plan, self.module_info.step_code, self.name)  # ONNXJIT_LOGS / ONNXJIT_DUMP_CODE
        self.key = cache.cache_key(self.module_info.source, *_versions(self.device))
        root = cache.cache_root(provider_options.get("cache_dir") or config.get("onnxjit.cache_dir"))
        cache.in_root_or_private(root, self._import_module)
        self.launchers = {k: getattr(self.module, c.launcher) for k, c in self.module_info.calls.items()}
        self._host = {k: host_op(self.plan, self.model, k) for k, s in enumerate(self.plan.steps) if s.kind is StepKind.HOST}
        self._shape_steps = shape_steps_per_segment(self.plan)
        self._const = {dt: self.device.upload(a) for dt, a in self.layout.const_arenas.items()}
        # input shapes -> bindings, least recently used first, at most BINDING_TABLE_SIZE; runs take
        # turns (self._lock): a binding's launches hold its work buffers, and one stream runs them
        self._bindings: OrderedDict[tuple, list[SegmentBinding]] = OrderedDict()
        self._lock = threading.Lock()
        # overridable initializers are plan inputs: a run that does not feed one gets the initializer
        inits = self.model.graph.initializers
        self._defaults = {n: inits[n].copy(order="C") for n in self.plan.inputs if isinstance(inits.get(n), np.ndarray)}
        self.transfers = {"to_device": 0, "to_host": 0}   # host <-> device copies in the last run
        # profile mode (SessionOptions.enable_profiling, or config 'onnxjit.profile_kernels' = '1'): each
        # launch timed between device synchronisations, counted per plan step in kernel_times
        self.profiling = config.get("onnxjit.profile_kernels", "0") == "1" or bool(getattr(so, "enable_profiling", False))
        self.kernel_times = KernelTimes()
        self._timed: list[tuple[int, int]] = []  # the running profiled run's (step, ns); runs take turns
        self.compile_seconds = time.perf_counter() - t0

    # --- construction -----------------------------------------------------------------------
    def _import_module(self, root: Path) -> None:
        """Point Triton's cache into `root`, write the generated module there unless its file holds
        exactly its source, and import it (running that source: plan_support.import_generated)."""
        self.cache_root = root
        self.triton_cache = use_triton_cache(root)
        self.folder = root / "triton" / "plans" / self.key
        self.path = self.folder / f"plan_{self.key}.py"
        self.written = cache.write_source(self.path, self.module_info.source)
        self.module = import_generated(f"onnxjit_triton_plan_{self.key}", self.path, self.module_info.source,
                                       cache.secret_key(root))

    # --- introspection ----------------------------------------------------------------------
    @property
    def source(self) -> str:
        return self.module_info.source

    def describe(self) -> str:
        """The plan, plus where the Triton path leaves the device."""
        host_nodes = sum(len(s.nodes) for s in self.plan.host_steps)
        ops = sorted({n.op_type for s in self.plan.host_steps for n in s.nodes})
        return (self.plan.describe() + f"\ntriton: {len(self.module_info.kernels)} kernels on {self.device.name}; "
                f"{len(self.plan.host_steps)} host steps ({host_nodes} nodes{': ' + ', '.join(ops) if ops else ''}) "
                f"with copies; last run copied {self.transfers['to_device']} values to the device and "
                f"{self.transfers['to_host']} to the host")

    def compiled_kernels(self) -> int:
        """Kernel variants Triton compiled (or loaded from its cache) in this process; 0 when interpreting."""
        total = 0
        for name in self.module_info.kernels:
            fn = getattr(self.module, name, None)
            for caches in (getattr(fn, "device_caches", None) or {}).values():
                total += len(caches[0]) if isinstance(caches, tuple) else 0
        return total

    def compile_stats(self) -> dict[str, Any]:
        return {"provider": self.name, "from_cache": not self.written, "kernels": len(self.layout.kernel_index),
                "functions": len(self.module_info.kernels), "compiled": self.compiled_kernels(),
                "compile_seconds": self.compile_seconds, "cache_folder": str(self.folder),
                "device": self.device.name, "host_steps": len(self.plan.host_steps)}

    # --- running ----------------------------------------------------------------------------
    def run(self, feeds: dict[str, Any]) -> dict[str, Any]:
        """numpy feeds in, numpy results out (copied to and from the device)."""
        with self._lock, np.errstate(all="ignore"):  # the interpreter computes masked-off lanes too
            host, dev, b = self._execute(feeds, {})
            return {o: self._output(o, host, dev, b) for o in self.plan.outputs}

    def run_device(self, feeds: dict[str, Any], bound: dict[str, Any]) -> dict[str, Any]:
        """IOBinding's path: feeds are device tensors (used in place) or numpy arrays; results stay on
        the device, written straight into `bound` output tensors where given (else fresh tensors)."""
        with self._lock, np.errstate(all="ignore"):
            host, dev, b = self._execute(feeds, bound)
            return {o: self._device_output(o, host, dev, b, bound.get(o)) for o in self.plan.outputs}

    def _execute(self, feeds: dict[str, Any], bound: dict[str, Any]) -> tuple[dict, dict, SegmentBinding]:
        plan, layout = self.plan, self.layout
        self.transfers = {"to_device": 0, "to_host": 0}
        if self.profiling:
            self._timed, run_start = [], time.perf_counter_ns()
        host: dict[str, Any] = {}
        dev: dict[str, Any] = {}
        shapes: dict[str, tuple] = {}
        control = run_control.active()
        for n, v in self._defaults.items():  # overridable initializers the run does not feed
            if n not in feeds:
                host[n] = v
                shapes[n] = v.shape
        for n, v in feeds.items():
            if self.device.is_tensor(v):
                shapes[n] = tuple(v.shape)
                dev[n] = self.device.adopt(v)
                continue
            if isinstance(v, np.generic):
                v = np.asarray(v)
            host[n] = np.ascontiguousarray(v) if isinstance(v, np.ndarray) and v.ndim else v
            if isinstance(v, np.ndarray):
                shapes[n] = v.shape
        key = tuple(shapes.get(n) for n in plan.inputs)
        cached = self._bindings.get(key) if not self._host else None
        if cached is not None:
            self._bindings.move_to_end(key)
        values: dict[str, Any] = dict(plan.constants)
        for n, c in plan.constants.items():
            shapes.setdefault(n, c.shape)
        bindings: list[SegmentBinding] = []
        for si, seg in enumerate(layout.segments):
            if cached is not None:
                b = cached[si]
            else:
                if si == 0:
                    use_triton_cache(self.cache_root)  # new shapes: kernels may compile now
                b = bind_segment_after(plan, layout, seg, shapes, values, self.model.opsets, self._shape_steps[si],
                                       host)
                b.launches = self._launches(seg, b)  # type: ignore[attr-defined]
            bindings.append(b)
            self._run_segment(seg, b, host, dev, bound, control)
            if seg.host_after is not None:
                run_control.check(control)
                if self.profiling:
                    self._run_host_timed(seg.host_after, host, dev, b)
                else:
                    self._run_host(seg.host_after, host, dev, b)
        if cached is None and not self._host:
            self._bindings[key] = bindings  # least recently used first; a bounded table
            while len(self._bindings) > BINDING_TABLE_SIZE:
                self._bindings.popitem(last=False)
        if self.profiling:
            self.kernel_times.add_run(self._timed, time.perf_counter_ns() - run_start)
        return host, dev, bindings[-1]

    def _run_segment(self, seg: Segment, b: SegmentBinding, host: dict[str, Any], dev: dict[str, Any],
                     bound: dict[str, Any], control: Any = None) -> None:
        for v in seg.args_in:
            if v not in dev:
                dev[v] = self.device.upload(np.asarray(self._host_value(v, host, dev, b)))
                self.transfers["to_device"] += 1
        for v in seg.args_out:
            n, dt = int(np.prod(b.arg_shapes[v])), self.layout.dtypes[v]
            given = bound.get(v)
            # a bound output buffer of the right size and type is written by the kernel itself
            dev[v] = self.device.flat(given) if self.device.fits(given, n, dt) else self.device.empty(n, dt)
        if self.profiling:
            self._launch_timed(seg, b, dev, control)
            return
        for launch, q, refs in b.launches:  # type: ignore[attr-defined]
            if control is not None and control.terminate:
                run_control.check(control)
            try:
                launch(q, *[dev[r] if isinstance(r, str) else r for r in refs])
            except OnnxJitError:
                raise
            except Exception as exc:
                raise Fail(f"Triton kernel {launch.__name__[7:]} failed: {type(exc).__name__}: "
                                       f"{str(exc).strip()[:500]}") from exc

    def profile_with(self, profiler: Any) -> None:
        """Record a "Node" event per kernel launch and host step in `profiler` (the session's)."""
        self.profiler = profiler

    def kernel_profile(self) -> Any:
        """Per plan step: launches, total and average time over the runs since the session was created
        or kernel_times reset (a runtime.kernel_profile.KernelProfile; profile mode only)."""
        from onnxjit.runtime.kernel_profile import summarize  # noqa: PLC0415

        return summarize(self.plan, self.kernel_times, self.name,
                         {k: launch.__name__[7:] for k, launch in self.launchers.items()})

    def _launch_timed(self, seg: Segment, b: SegmentBinding, dev: dict[str, Any], control: Any) -> None:
        """A profiled run's launches: each timed alone, between device synchronisations (kernels
        run asynchronously: the time is the kernel's, not its launch's), with a "Node" event each."""
        from time import perf_counter_ns  # noqa: PLC0415

        steps = [k for k in seg.steps if self.plan.steps[k].kind in KERNEL_KINDS]  # as _launches orders them
        shapes = getattr(b, "shapes", None)
        profiler = self.profiler if self.profiler is not None and self.profiler.enabled else None
        self.device.synchronize()
        for k, (launch, q, refs) in zip(steps, b.launches):  # type: ignore[attr-defined]
            if control is not None and control.terminate:
                run_control.check(control)
            t0 = perf_counter_ns()
            try:
                launch(q, *[dev[r] if isinstance(r, str) else r for r in refs])
                self.device.synchronize()
            except OnnxJitError:
                raise
            except Exception as exc:
                raise Fail(f"Triton kernel {launch.__name__[7:]} failed: {type(exc).__name__}: "
                                       f"{str(exc).strip()[:500]}") from exc
            t1 = perf_counter_ns()
            self._timed.append((k, t1 - t0))
            if profiler is not None:
                profiler.node(event_name(self.plan.steps[k].name), t0, t1,
                              step_args(self.plan, k, self.name, launch.__name__[7:], shapes))

    def _run_host_timed(self, k: int, host: dict[str, Any], dev: dict[str, Any], b: SegmentBinding) -> None:
        """A profiled run's host step (its reference kernel, on the host), with its "Node" event."""
        from time import perf_counter_ns  # noqa: PLC0415

        t0 = perf_counter_ns()
        self._run_host(k, host, dev, b)
        t1 = perf_counter_ns()
        self._timed.append((k, t1 - t0))
        if self.profiler is not None and self.profiler.enabled:
            step = self.plan.steps[k]
            shapes = {o: host[o].shape for o in step.outputs if isinstance(host.get(o), np.ndarray)}
            self.profiler.node(event_name(step.name), t0, t1,
                               step_args(self.plan, k, ProviderName.REFERENCE.value, shapes=shapes))

    def _launches(self, seg: Segment, b: SegmentBinding) -> list[tuple[Any, tuple[int, ...], list[Any]]]:
        """(launcher, parameters, tensors or names of argument buffers) of each kernel of a segment
        for this binding; the binding's work and shape-value arenas are allocated here."""
        layout = self.layout
        n_header = len(layout.kernel_index) + 1
        located = {v: u for u, v in enumerate(layout.located)}
        work = {dt: self.device.empty(n, dt) for dt, n in b.work.items()}
        bind = {dt: self.device.upload(a) for dt, a in b.bind_arrays.items()}
        b.arenas = [work, bind]
        P = b.P

        def ref(v: str) -> Any:
            r = layout.resolve(v)
            kind = layout.kind.get(r)
            if kind == "const":
                dt, off, n = layout.const_offset[r]
                return self._const[dt][off:off + n]
            if kind in ("work", "bind"):
                u = n_header + 2 * located[r]
                off, n = int(P[u]), int(P[u + 1])
                return (work if kind == "work" else bind)[layout.dtypes[r]][off:off + n]
            return r

        out = []
        for k in seg.steps:
            if self.plan.steps[k].kind not in KERNEL_KINDS:
                continue
            j = layout.kernel_index[k]
            call = self.module_info.calls[k]
            q = tuple(int(x) for x in P[P[j]:P[j + 1]])
            out.append((self.launchers[k], q, [ref(v) for v in call.reads + call.writes]))
        return out

    def _run_host(self, k: int, host: dict[str, Any], dev: dict[str, Any], b: SegmentBinding) -> None:
        step = self.plan.steps[k]
        vals = [self._host_value(i, host, dev, b) if i else None for i in step.inputs]
        op = self._host[k]
        if op.needs_env:
            names = sorted({n for node in step.nodes for n in outer_scope_names(node)})
            outs = op.run_with_env(vals, {n: self._host_value(n, host, dev, b) for n in names})
        else:
            outs = op.run(vals)
        for name, v in zip(step.outputs, outs):
            if name:
                host[name] = np.ascontiguousarray(v) if isinstance(v, np.ndarray) and v.ndim else v

    def _host_value(self, v: str, host: dict[str, Any], dev: dict[str, Any], b: SegmentBinding) -> Any:
        """A value as a host (numpy) array of its shape, wherever it lives."""
        if v in host:
            return host[v]
        shape = getattr(b, "shapes", {}).get(v)
        root = self.layout.resolve(v)
        if root in host:
            return host[root].reshape(shape) if shape is not None and isinstance(host[root], np.ndarray) else host[root]
        if root in dev:
            arr = self.device.download(dev[root], None)
            self.transfers["to_host"] += 1
            host[root] = arr.reshape(getattr(b, "shapes", {}).get(root, arr.shape))
            return arr.reshape(shape) if shape is not None else host[root]
        values = getattr(b, "values", {})
        if v in values:
            return values[v]
        if root in self.plan.constants:
            c = self.plan.constants[root]
            return c.reshape(shape) if shape is not None else c
        if root in values:
            return np.asarray(values[root]).reshape(shape)
        raise RuntimeException(f"value {v!r} is not available after its segment")

    def _device_output(self, o: str, host: dict[str, Any], dev: dict[str, Any], b: SegmentBinding, given: Any) -> Any:
        shape = b.shapes.get(o)  # type: ignore[attr-defined]
        root = self.layout.resolve(o)
        if o not in host and root in dev:
            t = dev[root]
        else:
            val = np.asarray(self._host_value(o, host, dev, b))
            shape, t = val.shape, self.device.upload(val)
            self.transfers["to_device"] += 1
        if given is None:
            return t.view(shape)
        if not self.device.same_buffer(given, t):
            self.device.flat(given).copy_(t)  # a view or host result: one device copy into the bound buffer
        return given

    def _output(self, o: str, host: dict[str, Any], dev: dict[str, Any], b: SegmentBinding) -> Any:
        root = self.layout.resolve(o)
        if o not in host and root in dev:
            self.transfers["to_host"] += 1
            return self.device.download(dev[root], b.shapes.get(o))  # type: ignore[attr-defined]
        val = self._host_value(o, host, dev, b)
        return np.array(val, copy=True) if isinstance(val, np.ndarray) else val
