"""NumbaExecutionProvider: plan -> generated module -> on-disk cache -> njit drivers -> run."""
from __future__ import annotations

import functools
import sys
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from onnxjit.compiler.codegen import kernel_calls
from onnxjit.compiler.codegen.numba_gen import HELPER_MODULE, render_numba, uses_helpers
from onnxjit.compiler.fusion import build_plan, resolve_planner
from onnxjit.compiler.fusion.binding import SegmentBinding, bind_segment_after
from onnxjit.compiler.fusion.layout import build_layout
from onnxjit.compiler.fusion.plan import KernelPlan, StepKind
from onnxjit.compiler.ir import Model
from onnxjit.errors import Fail, InvalidArgument, OnnxJitError, RuntimeException
from onnxjit.providers import cache, code_log, run_control
from onnxjit.providers.base import ProviderName
from onnxjit.providers.plan_support import host_op, import_generated, shape_steps_per_segment
from onnxjit.providers.profile_events import KernelTimes, NodeEventSink, event_name, step_args
from onnxjit.providers.numba import cached_load
from onnxjit.providers.numba.compile_pool import driver_opt, signature
from onnxjit.providers.numba.threads import cython_blas_alone, parallel_guard, use_threads


def _outer_names(step) -> list[str]:
    from onnxjit.compiler.ir import outer_scope_names

    return sorted({n for node in step.nodes for n in outer_scope_names(node)})


def _c_contiguous(x: Any) -> np.ndarray:
    """`x` as a C-contiguous array of the same shape (np.ascontiguousarray makes a 0-d array 1-d)."""
    arr = np.asarray(x)
    return arr if arr.flags.c_contiguous else arr.copy(order="C")


_run_local = run_control._local  # noqa: SLF001 - read on every run


def _writable(x: np.ndarray) -> np.ndarray:
    arr = _c_contiguous(x)
    return arr if arr.flags.writeable else arr.copy()


# Input-shape signatures whose bindings a session keeps (least recently used dropped first): a
# server fed many batch sizes must not grow without bound.
BINDING_TABLE_SIZE = 64
# Sets of work arenas kept per binding for reuse: one per run of those shapes at the same time.
FREE_ARENA_SETS = 4


class _BoundShapes:
    """One input-shape signature's bindings, a SegmentBinding per segment (shared by every run of
    those shapes: never written once built), and the free sets of work arenas (a run takes one,
    or makes one when none is free, and gives it back afterwards)."""

    __slots__ = ("bindings", "free")

    def __init__(self, bindings: list[SegmentBinding], free: list[list[list[np.ndarray]]]):
        self.bindings = bindings
        self.free = free


class NumbaProvider:
    name = ProviderName.NUMBA

    def __init__(self, options: dict[str, Any] | None = None):
        self.options = options or {}

    def prepare(self, model: Model, options: dict[str, Any],
                prepared: dict[str, Any] | None = None) -> "NumbaExecutable":
        return NumbaExecutable(model, options, self.options, prepared)


@functools.lru_cache(maxsize=1)
def _versions() -> tuple[str, ...]:
    import llvmlite
    import numba

    from onnxjit import __version__

    return (f"onnxjit={__version__}", f"numba={numba.__version__}", f"llvmlite={llvmlite.__version__}",
            f"numpy={np.__version__}", cache.machine_fingerprint())


class NumbaExecutable:
    """A compiled model: the plan, its generated module, and per-input-shape bindings."""

    name = ProviderName.NUMBA.value
    # the session's profiler (runtime/profiling.py) when SessionOptions.enable_profiling; set by the session
    profiler: NodeEventSink | None = None

    def __init__(self, model: Model, session_options: dict[str, Any], provider_options: dict[str, Any],
                 prepared: dict[str, Any] | None = None):
        """`prepared`: the plan, layout and module info a session saved for this model and these
        options (`prepared_state`; see plan_cache.py), used instead of building them."""
        so = session_options.get("session_options")
        config = getattr(so, "_config", {}) if so is not None else {}
        self.model = model
        if prepared is None:
            # the provider option 'fusion_policy', else the session's onnxjit.fusion.* knobs (policy.py)
            policy = resolve_planner(provider_options.get("fusion_policy"), config)
            self.plan: KernelPlan = build_plan(model, policy)
            self.layout = build_layout(self.plan)
        else:
            self.plan, self.layout = prepared["plan"], prepared["layout"]
        self.plan_from_cache = prepared is not None
        # host kernels first: an op nobody implements fails the session before anything is compiled
        self._host = {k: host_op(self.plan, self.model, k) for k, s in enumerate(self.plan.steps) if s.kind is StepKind.HOST}
        self.threads = int(getattr(so, "intra_op_num_threads", 0) or 0) if so is not None else 0
        # Profile mode (SessionOptions.enable_profiling, or config 'onnxjit.profile_kernels' = '1'): runs
        # call the kernels one by one from Python, each on the views its driver would pass it
        # (kernel_calls.py), and time each (at the cost of a Python->njit call per kernel). The module
        # is the normal one, its kernels compiled for their one signature: turning profiling on
        # compiles nothing more, and the normal path carries no timing code.
        self.profiling = config.get("onnxjit.profile_kernels", "0") == "1" or bool(getattr(so, "enable_profiling", False))
        # a new plan compiles in worker processes, one per core (at most 4); "0" compiles in-process
        self.parallel_compile = config.get("onnxjit.parallel_compile", "1") != "0"
        self.compiled_elsewhere = 0
        self.module_info = prepared["module_info"] if prepared is not None else render_numba(self.plan, self.layout)
        if self.profiling and not hasattr(self.module_info, "step_calls"):  # saved before it had them
            self.module_info = render_numba(self.plan, self.layout)
        code_log.emit(self.plan, getattr(self.module_info, "step_code", None), self.name)  # ONNXJIT_LOGS / _DUMP_CODE
        self.kernel_times = KernelTimes()  # per plan step: calls and time (when profiling)
        self._profile_local = threading.local()  # .timed: the running profiled run's (step, ns) list
        self.key = cache.cache_key(self.module_info.source, *_versions())
        root = cache.cache_root(provider_options.get("cache_dir") or config.get("onnxjit.cache_dir"))
        with cache.private_umask():  # what Numba writes into the cache is the user's alone
            cache.in_root_or_private(root, self._import_modules)
            self._misses_before = self._cache_misses()
            self.compile_seconds = self.compile(provider_options.get("progress"))
        self.from_cache = not self.written and self.compiled_kernels() == 0
        self.drivers = [[getattr(self.module, d) for d in parts] for parts in self.module_info.drivers]
        # input shapes -> their bindings (least recently used first; at most BINDING_TABLE_SIZE)
        self._bindings: OrderedDict[tuple, _BoundShapes] = OrderedDict()
        self._table_lock = threading.Lock()
        # None, or the lock runs with parallel kernels take turns under (threads.parallel_guard;
        # compile() started Numba's pool, so its threading layer is known)
        self._guard = parallel_guard(any("parallel=True" in src for src in self.module_info.kernel_modules.values()))
        # overridable initializers are plan inputs: a run that does not feed one gets the initializer
        inits = self.model.graph.initializers
        self._defaults = {n: _writable(inits[n]) for n in self.plan.inputs
                          if isinstance(inits.get(n), np.ndarray)}
        self._default_ids = frozenset(id(v) for v in self._defaults.values())
        self._shape_steps = shape_steps_per_segment(self.plan)
        self.const_arenas = [self.layout.const_arenas[dt] for dt in sorted(self.layout.const_arenas)]

    # --- construction -----------------------------------------------------------------------
    def prepared_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[int, tuple]]:
        """What `prepared` takes, with the constant arenas and where each constant the plan or the
        model holds lies in them (id(array) -> (dtype, offset, size, shape)), for plan_cache.save.
        The model's initializer of a name counts when it is the plan's array, or another object over
        the same data with the same layout."""
        placed = {}
        for name, (dt, offset, size) in self.layout.const_offset.items():
            arr = self.plan.constants.get(name)
            if not (isinstance(arr, np.ndarray) and str(arr.dtype) == dt and arr.size == size):
                continue
            placed[id(arr)] = (dt, offset, size, arr.shape)
            init = self.model.graph.initializers.get(name)
            if isinstance(init, np.ndarray) and init is not arr and init.dtype == arr.dtype \
                    and init.shape == arr.shape and init.strides == arr.strides \
                    and init.ctypes.data == arr.ctypes.data:
                placed[id(init)] = placed[id(arr)]
        state = {"plan": self.plan, "layout": self.layout, "module_info": self.module_info}
        return state, self.layout.const_arenas, placed

    def _import_modules(self, root: Path) -> None:
        """Write the generated modules into the cache under `root` where their files do not hold
        exactly their source, import them (kernels first: content-addressed, shared by every plan;
        then the plan module that imports them), and check where Numba will read their compiled
        functions from (`_check_numba_cache`)."""
        self.root = root
        self.folder = root / "numba" / self.key
        self.path = self.folder / f"plan_{self.key}.py"
        key = cache.secret_key(root)
        kernels_written = [self._import_kernel_module(root, name, src, key)
                           for name, src in self.module_info.kernel_modules.items()]
        self.written = cache.write_source(self.path, self.module_info.source)
        self.written = self.written or any(kernels_written)
        self.module = import_generated(f"onnxjit_plan_{self.key}", self.path, self.module_info.source, key)
        self._check_numba_cache(root)

    @staticmethod
    def _import_kernel_module(root: Path, name: str, source: str, key: bytes) -> bool:
        """Write (unless it holds exactly `source`) and import one kernel module; True when its source
        was written."""
        folder = root / "numba" / "kernels" / cache.cache_key(source, *_versions())
        written = cache.write_source(folder / f"{name}.py", source)
        import_generated(name, folder / f"{name}.py", source, key)
        return written

    def _dispatchers(self) -> list[Any]:
        """The Numba dispatchers of the plan module and of every kernel module it uses."""
        modules = [self.module] + [sys.modules[n] for n in self.module_info.kernel_modules if n in sys.modules]
        return [f for m in modules for f in vars(m).values()
                if getattr(f, "_cache", None) is not None and getattr(f, "py_func", None) is not None
                and getattr(f.py_func, "__module__", None) == m.__name__]

    def _check_numba_cache(self, root: Path) -> None:
        """Numba unpickles its index and data files: a folder it would read them from must be the
        user's alone, and so must each file in it (cache.untrusted_files). A folder that is not, under
        `root`, is emptied (its functions compile again); one elsewhere (NUMBA_CACHE_DIR) is not read:
        the functions cached there compile in memory, with a warning."""
        from numba.core.caching import NullCache  # noqa: PLC0415

        self.numba_cache_trusted = True
        verdicts: dict[str, str] = {}
        for fn in self._dispatchers():
            folder = getattr(fn._cache, "cache_path", None)
            if folder is None or isinstance(fn._cache, NullCache):
                continue
            if folder not in verdicts:
                reason = cache.untrusted_numba_folder(Path(folder), root)
                if reason and Path(folder).is_relative_to(root):
                    cache.purge(Path(folder))
                    reason = cache.untrusted_numba_folder(Path(folder), root)
                if reason:
                    import warnings  # noqa: PLC0415

                    warnings.warn(f"onnxjit: not reading Numba's cache folder {folder!r}: {reason}; its "
                                  "functions compile in memory", cache.CacheWarning, stacklevel=3)
                verdicts[folder] = reason
            if verdicts[folder]:
                fn._cache = NullCache()
                self.numba_cache_trusted = False

    def compile(self, progress: Any = None) -> float:
        """Compile (or load from the cache) every kernel and driver for its one signature, now rather
        than on the first run, and fill the drivers' kernel-address table. `progress(done, total,
        name)` is called after each function.

        Kernels come first (a new plan's in worker processes; a kernel shared with another plan comes
        from the cache), then the drivers, which call the kernels at their addresses and link none of
        their code (numba_calls.py). What the cache holds is put in place by cached_load.py, without
        Numba's registries; the rest compiles here."""
        import time

        from onnxjit.compiler.codegen.numba_calls import native_address  # noqa: PLC0415

        jobs = list(self.module_info.kernel_table)
        if not self.profiling:  # profile mode calls the kernels itself: the drivers are never called
            jobs += [(name, sig) for parts, sig in zip(self.module_info.drivers, self.module_info.driver_signatures)
                     for name in parts]
        # Numba's thread pool first: starting it registers the symbols parallel kernels link to, which
        # code loaded from the cache needs resolved (a driver loaded before it crashed on its first call)
        use_threads(self.threads)
        t0 = time.perf_counter()
        # workers read Numba's cache: only where it can be trusted
        pooled = self._compile_in_workers(jobs, progress) if self.written and self.numba_cache_trusted else False
        kernels = self.module_info.kernel_names
        for done, (name, sig) in enumerate(jobs, 1):
            fn, types = getattr(self.module, name), signature(sig)
            if not cached_load.load(fn, types):
                self._compile_one(fn, types, driver=name not in kernels)
            if progress is not None and (not pooled or done == len(jobs)):
                progress(done, len(jobs), name)
        self.kernel_addresses = np.array([native_address(getattr(self.module, name), signature(sig))
                                          for name, sig in self.module_info.kernel_table], dtype=np.int64)
        return time.perf_counter() - t0

    def _compile_one(self, fn: Any, sig: Any, driver: bool) -> None:
        """Compile `fn` here, or load it from the cache the usual way; a corrupt or partial cache
        entry is dropped and built again."""
        try:
            with driver_opt(driver), cython_blas_alone():
                fn.compile(sig)
        except Exception as exc:  # noqa: BLE001
            if not self._cache_entry_broken(exc):
                raise
            # drop the compiled artifacts and build them again (kernels live in their own folders,
            # beside their modules; so do the shared helpers a kernel calls, whose entry may be the
            # broken one)
            cache.purge(Path(fn.py_func.__code__.co_filename).parent / "__pycache__")
            helpers = sys.modules.get(HELPER_MODULE)
            if helpers is not None:
                cache.purge(Path(helpers.__file__).parent / "__pycache__")
            with driver_opt(driver), cython_blas_alone():
                fn.compile(sig)

    def _compile_in_workers(self, jobs: list[tuple[str, tuple[str, ...]]], progress: Any) -> bool:
        """A new plan's kernels compiled by worker processes into the disk cache (see compile_pool.py);
        True when workers were used."""
        from onnxjit.providers.numba.compile_pool import compile_elsewhere  # noqa: PLC0415
        from onnxjit.providers.numba.threads import default_threads  # noqa: PLC0415

        workers = min(4, default_threads()) if self.parallel_compile else 1
        if workers < 2 or len(jobs) < 3:
            return False
        imports = [(name, sys.modules[name].__file__, src) for name, src in self.module_info.kernel_modules.items()]
        imports.append((self.module.__name__, self.module.__file__, self.module_info.source))
        kernels = self.module_info.kernel_names
        count = [0]

        def report(name: str) -> None:
            count[0] += 1
            if progress is not None:
                progress(min(count[0], len(jobs) - 1), len(jobs), name)

        spec = [(self.module.__name__, name, sig, name not in kernels)  # the plan module names them all
                for name, sig in self._costliest_first(jobs)]
        self.compiled_elsewhere += compile_elsewhere(imports, spec, workers, report)
        return True

    def _costliest_first(self, jobs: list[tuple[str, tuple[str, ...]]]) -> list[tuple[str, tuple[str, ...]]]:
        """The order workers take jobs in: the shared helpers conv jobs call at their addresses (the
        costliest functions, seconds each), parallel kernels' jobs (the heavy templates), then the
        other kernels and the prange wrappers (shared, a quarter second each), then drivers (no
        kernel code in them: they call kernels at their addresses).
        A function the table lists more than once (a helper, for each conv kernel) is one job.
        One kernel that calls the shared helpers (or a conv helper, which calls them too) goes first
        and the others after the parallel kernels that do not, so that a second worker rarely
        compiles the helpers again before the first has cached them."""
        def rank(job: tuple[str, tuple[str, ...]]) -> int:
            fn = getattr(self.module, job[0])
            source = self.module_info.kernel_modules.get(fn.py_func.__module__)
            if source is None:
                return 4  # a driver
            if fn.py_func.__module__ == HELPER_MODULE:
                return 0
            parallel = "def _jobs(" in source
            return (1 if parallel else 3) + (uses_helpers(source) and parallel)

        unique = list({(id(getattr(self.module, name)), sig): (name, sig) for name, sig in jobs}.values())
        ranked = sorted(unique, key=rank)
        first = None if ranked and rank(ranked[0]) == 0 else next((j for j in ranked if rank(j) == 2), None)
        return ([first] if first else []) + [j for j in ranked if j is not first]

    @staticmethod
    def _cache_entry_broken(exc: Exception) -> bool:
        """Errors from reading Numba's index/data files, as opposed to errors compiling the code."""
        import numba.core.errors as nb_errors

        if isinstance(exc, (nb_errors.TypingError, nb_errors.LoweringError, nb_errors.UnsupportedError)):
            return False
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.endswith(("numba/core/caching.py", "numba\\core\\caching.py")):
                return True
            tb = tb.tb_next
        return False

    # --- introspection ----------------------------------------------------------------------
    @property
    def source(self) -> str:
        """The plan module, then each kernel module it imports."""
        kernels = [f"\n# ---- module {name} ----\n{src}" for name, src in self.module_info.kernel_modules.items()]
        return self.module_info.source + "".join(kernels)

    def _cache_misses(self) -> int:
        total = 0
        for obj in vars(self.module).values():
            stats = getattr(obj, "stats", None)
            if stats is not None and hasattr(stats, "cache_misses"):
                total += sum(stats.cache_misses.values())
        return total

    def compiled_kernels(self) -> int:
        """Functions (kernels and drivers) Numba compiled for this session: misses of the disk cache,
        here and in compile workers."""
        return self._cache_misses() - self._misses_before + self.compiled_elsewhere

    def compile_stats(self) -> dict[str, Any]:
        return {"provider": self.name, "from_cache": self.from_cache, "kernels": len(self.layout.kernel_index),
                "functions": len(self.module_info.kernel_table) + sum(map(len, self.drivers)),
                "compiled": self.compiled_kernels(), "compile_seconds": self.compile_seconds,
                "cache_folder": str(self.folder), "plan_from_cache": self.plan_from_cache}

    # --- running ----------------------------------------------------------------------------
    def _new_arenas(self, b: SegmentBinding) -> list[np.ndarray]:
        """A segment's driver arenas for one run: the binding's parameter table and shape values
        (shared, read-only) and fresh work and scratch arenas (written by the kernels)."""
        work = [np.zeros(b.work.get(dt, 0), dtype=dt) for dt in self.layout.work_dtypes]
        bind = [b.bind_arrays.get(dt, np.zeros(0, dt)) for dt in self.layout.bind_dtypes]
        # parallel kernels give each thread its own share of the scratch
        import numba  # noqa: PLC0415

        per = numba.config.NUMBA_NUM_THREADS
        scratch = [np.zeros(b.scratch.get("float32", 0) * per, np.float32),
                   np.zeros(b.scratch.get("float64", 0) * per, np.float64)]
        return [b.P, self.kernel_addresses] + self.const_arenas + work + bind + scratch

    def run(self, feeds: dict[str, Any]) -> dict[str, Any]:
        """Runs may overlap (several threads on one session): bindings are shared, read-only once
        built; each run takes its own work arenas (see _BoundShapes)."""
        use_threads(self.threads)
        return self._run_profiled(feeds) if self.profiling else self._run_guarded(feeds)

    def _run_guarded(self, feeds: dict[str, Any]) -> dict[str, Any]:
        """`_run`, under the lock parallel kernels take turns under when there is one (parallel_guard)."""
        if self._guard is None:
            return self._run(feeds)
        with self._guard:
            return self._run(feeds)

    def _run_profiled(self, feeds: dict[str, Any]) -> dict[str, Any]:
        """Profile mode's run: `_run`, its steps timed into a list of this thread's (each run keeps its
        own, so that overlapping runs do not mix), added to kernel_times once the run completes."""
        from time import perf_counter_ns  # noqa: PLC0415

        timed: list[tuple[int, int]] = []
        self._profile_local.timed = timed
        t0 = perf_counter_ns()
        results = self._run_guarded(feeds)
        self.kernel_times.add_run(timed, perf_counter_ns() - t0)
        return results

    def _keep(self, key: tuple, bound: "_BoundShapes") -> None:
        with self._table_lock:
            self._bindings[key] = bound
            self._bindings.move_to_end(key)
            while len(self._bindings) > BINDING_TABLE_SIZE:
                self._bindings.popitem(last=False)

    def _run(self, feeds: dict[str, Any]) -> dict[str, Any]:
        plan, layout = self.plan, self.layout
        control = getattr(_run_local, "options", None)  # run_control.active(), inlined
        env: dict[str, Any] = {}
        for n in plan.inputs:
            v = feeds.get(n)
            if isinstance(v, np.ndarray):  # sequences and optionals stay as given
                arr = _c_contiguous(v)
                env[n] = arr if arr.flags.writeable else arr.copy()  # the compiled signature takes writable arrays
            elif v is None and n in self._defaults and n not in feeds:
                env[n] = self._defaults[n]  # an overridable initializer the run did not feed
        for n, v in feeds.items():
            env.setdefault(n, v)
        shapes = {n: np.shape(v) for n, v in env.items() if isinstance(v, np.ndarray)}
        key = tuple(shapes.get(n) for n in plan.inputs)
        bound = self._bindings.get(key) if not self._host else None
        run_arenas: list[list[np.ndarray]] = []
        if bound is not None:
            # no lock: get, move_to_end and pop are each atomic; a binding evicted meanwhile is whole
            try:
                self._bindings.move_to_end(key)
            except KeyError:
                pass
            if bound.free:
                try:
                    run_arenas = bound.free.pop()  # each set goes to one run at a time
                except IndexError:
                    pass
        values: dict[str, Any] = {}
        if bound is None:  # what binding reads (a kept binding needs neither)
            values = {n: v for n, v in plan.constants.items()}
            for n, c in plan.constants.items():
                shapes.setdefault(n, c.shape)
        try:
            bindings: list[SegmentBinding] = []
            for si, seg in enumerate(layout.segments):
                if bound is not None:
                    b = bound.bindings[si]
                else:
                    b = bind_segment_after(plan, layout, seg, shapes, values, self.model.opsets,
                                           self._shape_steps[si], env)
                bindings.append(b)
                if len(run_arenas) <= si:
                    run_arenas.append(self._new_arenas(b))
                arenas = run_arenas[si]
                outs = {v: np.empty(b.arg_shapes[v], dtype=layout.dtypes[v]) for v in seg.args_out}
                args = [env[v].reshape(-1) for v in seg.args_in] + [outs[v].reshape(-1) for v in seg.args_out]
                try:
                    if self.profiling:
                        self._run_steps_timed(si, arenas + args, b, control)
                    else:
                        for driver in self.drivers[si]:
                            if control is not None and control.terminate:
                                run_control.check(control)
                            driver(*arenas, *args)
                except OnnxJitError:
                    raise
                except Exception as exc:  # noqa: BLE001 - a kernel's failure is onnxruntime's Fail; an index
                    # out of range in the data (Gather's checked indices) is an input error, as there
                    err = InvalidArgument if isinstance(exc, IndexError) else Fail
                    raise err(f"compiled segment {si} failed: {type(exc).__name__}: {exc}") from exc
                env.update(outs)
                if seg.host_after is not None:
                    if control is not None and control.terminate:
                        run_control.check(control)
                    if self.profiling:
                        self._run_host_timed(seg.host_after, env, b)
                    else:
                        self._run_host(seg.host_after, env, b)
            last = bindings[-1]
            results = {o: self._output(o, env, last) for o in plan.outputs}
        finally:
            # the work arenas go back for the next run of these shapes (outputs never live in them)
            if bound is not None and len(bound.free) < FREE_ARENA_SETS:
                bound.free.append(run_arenas)
        if bound is None and not self._host:
            self._keep(key, _BoundShapes(bindings, [run_arenas]))
        return results

    def _run_steps_timed(self, si: int, params: list[np.ndarray], b: SegmentBinding, control: Any) -> None:
        """Profile mode: segment `si`'s kernels one by one, each called from here on the views of the
        driver's parameters `params` that its driver would pass it (kernel_calls.py), and timed; a
        "Node" event each while the session's profiler records."""
        from time import perf_counter_ns  # noqa: PLC0415

        profiler = self.profiler if self.profiler is not None and self.profiler.enabled else None
        timed = self._profile_local.timed
        # the calls' operands and the events' args depend on the binding only: made once per binding
        calls = vars(b).get("kernel_calls")
        if calls is None:
            calls = b.kernel_calls = [(c.step, getattr(self.module, c.called), kernel_calls.bind(c, b.P), c.kernel)
                                      for c in self.module_info.step_calls[si]]
        event_args: dict[int, dict[str, Any]] = vars(b).setdefault("event_args", {}) if profiler is not None else {}
        for k, kernel, bound, kernel_name in calls:
            if control is not None and control.terminate:
                run_control.check(control)
            args = kernel_calls.operands(bound, params)
            t0 = perf_counter_ns()
            kernel(*args)
            t1 = perf_counter_ns()
            timed.append((k, t1 - t0))
            if profiler is not None:
                described = event_args.get(k)
                if described is None:
                    described = event_args[k] = step_args(self.plan, k, self.name, kernel_name, getattr(b, "shapes", None))
                profiler.node(event_name(self.plan.steps[k].name), t0, t1, described)

    def _run_host_timed(self, k: int, env: dict[str, Any], b: SegmentBinding) -> None:
        """Profile mode: host step `k` (an op the compiled kernels do not take, run by its reference
        kernel), timed; its event names the reference provider, which runs it."""
        from time import perf_counter_ns  # noqa: PLC0415

        t0 = perf_counter_ns()
        self._run_host(k, env, b)
        t1 = perf_counter_ns()
        self._profile_local.timed.append((k, t1 - t0))
        profiler = self.profiler
        if profiler is not None and profiler.enabled:
            step = self.plan.steps[k]
            shapes = {o: env[o].shape for o in step.outputs if isinstance(env.get(o), np.ndarray)}
            profiler.node(event_name(step.name), t0, t1, step_args(self.plan, k, ProviderName.REFERENCE.value,
                                                                   shapes=shapes))

    def profile_with(self, profiler: NodeEventSink) -> None:
        """Record a "Node" event per kernel and host step a run executes in `profiler` (the session's,
        runtime/profiling.py). Only a session in profile mode times kernels one by one; the session
        is in it when SessionOptions.enable_profiling is set."""
        self.profiler = profiler

    def kernel_profile(self) -> Any:
        """Per plan step: calls, total and average time over the runs since the session was created or
        kernel_times reset (a runtime.kernel_profile.KernelProfile; profile mode only)."""
        from onnxjit.runtime.kernel_profile import summarize  # noqa: PLC0415

        return summarize(self.plan, self.kernel_times, self.name, self.module_info.step_kernels)

    def _run_host(self, k: int, env: dict[str, Any], b: SegmentBinding) -> None:
        step = self.plan.steps[k]
        vals = []
        for i in step.inputs:
            vals.append(self._materialize(i, env, b) if i else None)
        op = self._host[k]
        if op.needs_env:
            outer = {n: self._materialize(n, env, b) for n in _outer_names(step)}
            outs = op.run_with_env(vals, outer)
        else:
            outs = op.run(vals)
        for name, v in zip(step.outputs, outs):
            if name:
                env[name] = _c_contiguous(v) if isinstance(v, np.ndarray) else v

    def _materialize(self, v: str, env: dict[str, Any], b: SegmentBinding) -> Any:
        """A value as a numpy array of its shape, wherever it lives."""
        shape = getattr(b, "shapes", {}).get(v)
        root = self.layout.resolve(v)
        if v in env:
            return env[v]
        if root in env:
            return env[root].reshape(shape) if shape is not None else env[root]
        values = getattr(b, "values", {})
        if v in values:
            return values[v]
        if root in self.plan.constants:
            return self.plan.constants[root].reshape(shape) if shape is not None else self.plan.constants[root]
        if root in values:
            return np.asarray(values[root]).reshape(shape)
        raise RuntimeException(f"value {v!r} is not available after its segment")

    def _output(self, o: str, env: dict[str, Any], b: SegmentBinding) -> Any:
        if o in env and self.layout.kind.get(o) == "arg":
            v = env[o]
            # an unfed overridable initializer's default is the session's: the caller gets a copy
            return v.copy() if self._default_ids and id(v) in self._default_ids else v
        val = self._materialize(o, env, b)
        return np.array(val, copy=True) if isinstance(val, np.ndarray) else val
