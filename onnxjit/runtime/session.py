"""InferenceSession: load, optimise, hand the graph to providers, validate feeds, run."""
from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Any, Sequence

import numpy as np
from onnx import ModelProto

from onnxjit.compiler import loader
from onnxjit.compiler.ir import Model, ValueInfo, array_root
from onnxjit.compiler.passes.pipeline import optimize
from onnxjit.compiler.passes.free_dims import pin_dims_by_denotation
from onnxjit.compiler.passes.shape_inference import infer_shapes
from onnxjit.errors import Fail, InvalidArgument, OnnxJitError, OrtRuntimeError
from onnxjit.providers import run_control
from onnxjit.runtime import kernel_profile, profiling
from onnxjit.runtime import providers as prov
from onnxjit.runtime.feeds import check_feeds
from onnxjit.runtime.metadata import ModelMetadata, NodeArg, ort_type_string
from onnxjit.runtime.model_config import loads_config_from_model, options_from_model
from onnxjit.runtime.optimized_model import save_optimized_model
from onnxjit.runtime.options import RunOptions, SessionOptions


def _node_arg(vi: ValueInfo, declared_params: frozenset[str] = frozenset(),
              overrides: dict[str, int] | None = None) -> NodeArg:
    """NodeArg as onnxruntime reports it: the tensor's (or optional tensor's) dims, with free dims
    pinned by ``add_free_dimension_override_by_name`` as ints and symbolic dims that onnx's inference
    invented (``unk__0``, ...) as None; ``[]`` when the shape is unknown or the value is not a tensor."""
    tp = vi.type
    if tp is not None and tp.HasField("optional_type") and tp.optional_type.elem_type.HasField("tensor_type"):
        tp = tp.optional_type.elem_type
    shape = ValueInfo(vi.name, tp).shape if tp is not None else None
    dims: list = []
    for d in shape or ():
        if isinstance(d, str):
            d = (overrides or {}).get(d, d if d in declared_params else None)
        dims.append(d)
    return NodeArg(vi.name, ort_type_string(vi.type), dims)


def _declared_dim_params(proto: ModelProto) -> frozenset[str]:
    """Every dim_param the model itself names on its graph's inputs, outputs and value_info."""
    def params(tp) -> list[str]:
        kind = tp.WhichOneof("value")
        if kind == "tensor_type":
            return [d.dim_param for d in tp.tensor_type.shape.dim if d.HasField("dim_param")]
        if kind in ("sequence_type", "optional_type"):
            return params(getattr(tp, kind).elem_type)
        return []

    g = proto.graph
    return frozenset(p for vi in (*g.input, *g.output, *g.value_info) for p in params(vi.type))


def _check_io_types(inputs: list[ValueInfo], outputs: list[ValueInfo]) -> None:
    """Graph inputs and outputs must carry types onnx knows (a corrupt model can hold any number)."""
    from onnxjit.errors import InvalidGraph

    for role, values in (("input", inputs), ("output", outputs)):
        for vi in values:
            try:
                ort_type_string(vi.type)
            except ValueError as exc:
                raise InvalidGraph(f"graph {role} {vi.name!r} has an invalid type: {exc}") from exc


@contextlib.contextmanager
def _untyped_as(error: type[OnnxJitError], what: str):
    """Re-raise any non-onnxjit exception of the block as `error` (KeyboardInterrupt and SystemExit,
    not Exceptions, pass through)."""
    try:
        yield
    except OnnxJitError:
        raise
    except Exception as exc:  # noqa: BLE001 - the boundary between an untrusted model and the caller
        raise error(f"{what}: {type(exc).__name__}: {exc}"[:2000]) from exc


class InferenceSession:
    """onnxruntime.InferenceSession, compiled by onnxjit."""

    # opened from an ahead-of-time artifact (runtime/artifact.py): checks each run's input shapes
    _aot_guard: Any = None

    def __init__(self, path_or_bytes: str | bytes | os.PathLike | ModelProto, sess_options: SessionOptions | None = None,
                 providers: Sequence[Any] | None = None, provider_options: Sequence[dict] | None = None,
                 **kwargs: Any):
        if isinstance(path_or_bytes, (str, os.PathLike)) and os.path.isdir(path_or_bytes):
            from onnxjit.runtime import artifact  # a folder `onnxjit compile -o` made: its model and code

            artifact.init_session(self, path_or_bytes, sess_options, providers, provider_options, kwargs)
            return
        t0 = time.perf_counter()
        # the session's own copy: changing the caller's options later changes nothing here
        self._sess_options = (sess_options or SessionOptions())._copy()
        self._model_path = path_or_bytes if isinstance(path_or_bytes, (str, os.PathLike)) else None
        self._profiler = profiling.start(self._sess_options)  # None unless enable_profiling
        proto, _ = loader.load_model_proto(path_or_bytes)
        loaded_ns = profiling.session_event(self._profiler, "model_loading_uri" if self._model_path is not None
                                            else "model_loading_array")
        if loads_config_from_model(self._sess_options):
            self._sess_options = options_from_model(proto)
            if (self._profiler is None) == bool(self._sess_options.enable_profiling):  # the model turned it on/off
                self._profiler = profiling.start(self._sess_options)
        # what get_session_options() returns: another copy, whose changes do not act (as onnxruntime)
        self._reported_options = self._sess_options._copy()
        proto = with_session_options(proto, self._sess_options)
        self._declared_dim_params = _declared_dim_params(proto)
        self._providers = prov.resolve(list(providers) if providers is not None else None,
                                       list(provider_options) if provider_options is not None else None)
        self._provider_names = prov.shown_names(providers, self._providers)
        entry = self._plan_entry(proto)
        state = None
        if entry is not None:
            from onnxjit.providers import plan_cache

            state = plan_cache.load(entry, self._plan_mac_key)
        if state is not None:
            try:
                self._restore(state)
            except Exception:  # noqa: BLE001 - an entry that loads but does not restore is built again
                state = None
        if state is None:
            self._build(proto)
            if entry is not None:
                self._save_plan(entry)
        self._constant_ids = frozenset(id(array_root(v)) for v in self._model.graph.initializers.values()
                                       if isinstance(v, np.ndarray))
        self._fallback_enabled = True
        profiling.attach(self._profiler, self._executable)
        profiling.session_event(self._profiler, "session_initialization", loaded_ns)
        self.session_create_seconds = time.perf_counter() - t0

    # --- construction -----------------------------------------------------------------------
    def _build(self, proto: ModelProto) -> None:
        """Read, check and optimise the model (optimized_model), then let the first provider prepare it."""
        self._model, self._inputs, self._outputs, self._overridable, self.pass_report = \
            optimized_model(proto, int(self._sess_options.graph_optimization_level))
        self._output_names = [vi.name for vi in self._outputs]
        self._write_optimized_model()
        with _untyped_as(Fail, "model cannot be compiled"):
            self._executable = self._prepare()

    def _plan_entry(self, proto: ModelProto):
        """Where this model's prepared plan is kept (plan_cache.py), or None: only the Numba provider
        keeps plans, a fusion policy object other than a FusionPolicy (whose knobs are data, keyed by
        its repr below; the session's onnxjit.fusion.* entries are keyed with the config) cannot be
        part of a key, and the session config entry 'onnxjit.plan_cache' = '0' turns it off. Sets the
        key that authenticates entries there (the cache root's secret key: an entry is a pickle, and
        unpickling runs code)."""
        from onnxjit.compiler.fusion.policy import cache_key as policy_key
        from onnxjit.providers.base import ProviderName

        name, options = self._providers[0]
        config = self._sess_options._config
        if name is not ProviderName.NUMBA or policy_key(options.get("fusion_policy")) is None \
                or config.get("onnxjit.plan_cache", "1") == "0":
            return None
        import hashlib

        from onnxjit.providers import cache, plan_cache
        from onnxjit.providers.numba.provider import _versions

        try:
            digest = hashlib.sha256(proto.SerializeToString()).hexdigest()
        except Exception:  # noqa: BLE001 - a model protobuf cannot serialise (over 2 GB): no entry
            return None
        # entries that change neither the plan nor its module (profile mode runs the same module)
        unkeyed = {"onnxjit.cache_dir", "onnxjit.parallel_compile", "onnxjit.plan_cache", "onnxjit.aot_strict",
                   "onnxjit.profile_kernels"}
        settings = json.dumps({"level": int(self._sess_options.graph_optimization_level),
                               "config": sorted((k, v) for k, v in config.items() if k not in unkeyed),
                               "provider": sorted((str(k), str(v)) for k, v in options.items()
                                                  if k not in ("cache_dir", "progress"))})
        root = cache.cache_root(options.get("cache_dir") or config.get("onnxjit.cache_dir"))
        try:
            self._plan_mac_key = cache.secret_key(root)
        except Exception:  # noqa: BLE001 - no key, no entries: the session prepares its plan itself
            return None
        return root / "numba" / "plans" / f"{plan_cache.plan_key(digest, settings, *_versions())}.plan"

    _SESSION_STATE = ("_model", "_overridable", "_inputs", "_outputs", "pass_report")

    def _save_plan(self, entry) -> None:
        """Keep what this session prepared for the next one (best effort: a cache that cannot be written
        costs the next session its preparation, nothing else)."""
        from onnxjit.providers import plan_cache

        numba_state, arenas, placed = self._executable.prepared_state()
        state = {k: getattr(self, k) for k in self._SESSION_STATE}
        state["numba"] = numba_state
        try:
            plan_cache.save(entry, state, arenas, placed, self._plan_mac_key)
        except Exception:  # noqa: BLE001, S110
            pass

    def _restore(self, state: dict) -> None:
        """A session prepared from a saved plan: the optimised model and the provider's plan."""
        from onnxjit.providers.numba import NumbaProvider

        for k in self._SESSION_STATE:
            setattr(self, k, state[k])
        self._output_names = [vi.name for vi in self._outputs]
        self._write_optimized_model()
        opts = {"session_options": self._sess_options, "providers": self._providers}
        self._executable = NumbaProvider(dict(self._providers[0][1])).prepare(self._model, opts, state["numba"])

    def _write_optimized_model(self) -> None:
        """SessionOptions.optimized_model_filepath: the model as the passes left it (optimized_model.py)."""
        path = self._sess_options.optimized_model_filepath
        if path:
            save_optimized_model(self._model, path, self._sess_options._config)

    def _prepare(self):
        from onnxjit.providers.base import ProviderName

        opts = {"session_options": self._sess_options, "providers": self._providers}
        first = self._providers[0][0]
        if first is ProviderName.NUMBA:
            from onnxjit.providers.numba import NumbaProvider

            return NumbaProvider(dict(self._providers[0][1])).prepare(self._model, opts)
        if first is ProviderName.TRITON:
            from onnxjit.providers.triton import TritonProvider

            return TritonProvider(dict(self._providers[0][1])).prepare(self._model, opts)
        from onnxjit.providers.cpu import CPUProvider

        return CPUProvider().prepare(self._model, opts)

    # --- introspection ----------------------------------------------------------------------
    def get_inputs(self) -> list[NodeArg]:
        return [_node_arg(vi, self._declared_dim_params, self._sess_options._free_dim_by_name)
                for vi in self._inputs]

    def get_outputs(self) -> list[NodeArg]:
        return [_node_arg(vi, self._declared_dim_params, self._sess_options._free_dim_by_name)
                for vi in self._outputs]

    def get_overridable_initializers(self) -> list[NodeArg]:
        return [_node_arg(vi, self._declared_dim_params, self._sess_options._free_dim_by_name)
                for vi in self._overridable]

    def get_modelmeta(self) -> ModelMetadata:
        m = self._model
        return ModelMetadata(producer_name=m.producer_name, graph_name=m.graph.name, domain=m.domain,
                             description=m.doc_string, graph_description=m.graph_description,
                             version=m.model_version, custom_metadata_map=dict(m.metadata_props))

    def get_providers(self) -> list[str]:
        return list(dict.fromkeys(self._provider_names))

    def get_provider_options(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for name, (_, o) in zip(self._provider_names, self._providers):
            out.setdefault(name, {str(k): str(v) for k, v in o.items()})
        return out

    def get_session_options(self) -> SessionOptions:
        return self._reported_options

    def set_providers(self, providers: Sequence[Any] | None = None, provider_options: Sequence[dict] | None = None) -> None:
        self._providers = prov.resolve(list(providers) if providers is not None else None,
                                       list(provider_options) if provider_options is not None else None,
                                       refuse_unknown=True)
        self._provider_names = prov.shown_names(providers, self._providers)
        self._executable = self._prepare()
        profiling.attach(self._profiler, self._executable)

    def disable_fallback(self) -> None:
        self._fallback_enabled = False

    def enable_fallback(self) -> None:
        self._fallback_enabled = True

    @property
    def executable(self):
        """The provider's prepared form of the model (its plan, for compiling providers)."""
        return self._executable

    def compile_stats(self) -> dict[str, Any]:
        """What compiling this session's plan cost (onnxjit extension): 'provider', 'from_cache' (nothing
        compiled: every kernel came from the disk cache), 'kernels' (kernel steps in the plan),
        'functions' (distinct generated functions), 'compiled' (functions compiled in this session,
        including any compiled since by a run), 'compile_seconds'."""
        stats = getattr(self._executable, "compile_stats", None)
        if stats is not None:
            return stats()
        return {"provider": self.get_providers()[0], "from_cache": False, "kernels": 0, "functions": 0,
                "compiled": 0, "compile_seconds": 0.0}

    # --- running ----------------------------------------------------------------------------
    def run(self, output_names: Sequence[str] | None, input_feed: dict[str, Any],
            run_options: RunOptions | None = None) -> list[Any]:
        if run_options is not None:
            run_control.check(run_options)
        names = list(output_names) if output_names else self._output_names
        for n in names:
            if n not in self._output_names:
                raise InvalidArgument(f"Invalid output name: {n}. Model outputs: {self._output_names}")
        feeds = check_feeds(input_feed, self._inputs, {vi.name: vi for vi in self._overridable},
                            self._sess_options._free_dim_by_name)
        if self._aot_guard is not None:
            self._aot_guard(feeds)
        t0 = time.perf_counter_ns()
        # the providers check run_options.terminate between the pieces they run (run_control.py)
        previous = run_control.activate(run_options) if run_options is not None else None
        try:
            results = (self._executable.run(feeds) if self._profiler is None
                       else profiling.timed_run(self._profiler, self._executable, feeds))
        except OnnxJitError:
            raise
        except Exception as exc:  # noqa: BLE001 - never let a kernel error escape untyped
            raise Fail(f"Error running the model: {type(exc).__name__}: {exc}") from exc  # as onnxruntime's kernels
        finally:
            if run_options is not None:
                run_control.restore(previous)
        if self._profiler is not None:
            profiling.model_run(self._profiler, t0, run_options)
        return _detach_outputs([results[n] for n in names], feeds, self._constant_ids)

    def run_with_ort_values(self, output_names: Sequence[str] | None, input_dict_ort_values: dict[str, Any],
                            run_options: RunOptions | None = None) -> list[Any]:
        from onnxjit.runtime.ortvalue import OrtValue

        feeds = {k: (v.numpy() if v.is_tensor() else v._value) if isinstance(v, OrtValue) else v
                 for k, v in input_dict_ort_values.items()}
        names = list(output_names) if output_names else self._output_names
        types = {vi.name: ort_type_string(vi.type) for vi in self._outputs}
        # tensors as OrtValues over the arrays; sequences and missing optionals as OrtValues of their declared type
        return [OrtValue.ortvalue_from_numpy(v) if isinstance(v, np.ndarray) else OrtValue(v, data_type=types.get(n))
                for n, v in zip(names, self.run(output_names, feeds, run_options))]

    def io_binding(self):
        from onnxjit.runtime.iobinding import IOBinding

        return IOBinding(self)

    def create_ortvalue_from_shape_and_type(self, shape: Sequence[int], element_type: Any, device_type: str,
                                            device_id: int = 0, vendor_id: int = -1) -> Any:
        """A new tensor on a device this session allocates on (the host; the GPU when it runs the Triton
        provider); `element_type` is a numpy type or an ONNX element type number, and must be numeric."""
        from onnxjit.compiler.dtypes import to_numpy_dtype
        from onnxjit.providers.base import ProviderName
        from onnxjit.runtime.ortvalue import OrtValue

        dtype = to_numpy_dtype(element_type) if isinstance(element_type, int) else np.dtype(element_type)
        if dtype.kind in "OUS":
            raise OrtRuntimeError("Creation of OrtValues is currently only supported for numeric tensor types")
        on_gpu = any(p is ProviderName.TRITON for p, _ in self._providers)
        if str(device_type).lower() != "cpu" and not on_gpu:
            raise OrtRuntimeError(f"No session allocator found for device {device_type}:{device_id} "
                                  f"(the session runs on {self.get_providers()})")
        return OrtValue.ortvalue_from_shape_and_type(shape, dtype.type, device_type, device_id)

    def run_with_iobinding(self, iobinding, run_options: RunOptions | None = None) -> None:
        """Run on the inputs bound to `iobinding`; results go to its bound outputs (`get_outputs`)."""
        from onnxjit.runtime.iobinding import run_with_iobinding

        if run_options is not None:
            run_control.check(run_options)
        for n in iobinding._outputs:
            if n not in self._output_names:  # onnxruntime's words and class (a RuntimeError)
                raise OrtRuntimeError(f"Error in execution: Invalid output name: {n}")
        values = {n: v.device_tensor if v.device_tensor is not None else v.numpy() for n, v in iobinding._inputs.items()}
        # validated as run() validates feeds; a device tensor by a zero-strided host stand-in of its shape and type
        stand_ins = {n: v if isinstance(v, np.ndarray) else _stand_in(iobinding._inputs[n]) for n, v in values.items()}
        checked = check_feeds(stand_ins, self._inputs, {vi.name: vi for vi in self._overridable},
                              self._sess_options._free_dim_by_name)
        feeds = {n: values[n] if not isinstance(values[n], np.ndarray) else checked[n] for n in checked}
        if self._aot_guard is not None:
            self._aot_guard(checked)
        # a device run's model_run event (a host run goes through run(), which records its own)
        device_run = self._profiler is not None and hasattr(self._executable, "run_device")
        t0 = time.perf_counter_ns() if device_run else 0
        previous = run_control.activate(run_options) if run_options is not None else None
        try:
            run_with_iobinding(self, iobinding, feeds)
        except OnnxJitError:
            raise
        except Exception as exc:  # noqa: BLE001 - never let a kernel error escape untyped
            raise Fail(f"Error running the model: {type(exc).__name__}: {exc}") from exc  # as onnxruntime's kernels
        finally:
            if run_options is not None:
                run_control.restore(previous)
        if device_run:
            profiling.model_run(self._profiler, t0, run_options)

    def end_profiling(self) -> str:
        """Write the profile (runtime/profiling.py) and stop profiling: its file's path; '' when the
        session does not profile or has written it already (as onnxruntime)."""
        return self._profiler.end() if self._profiler is not None else ""

    def get_profiling_start_time_ns(self) -> int:
        """When profiling started, in nanoseconds since the epoch; 0 when the session does not profile."""
        return self._profiler.start_ns if self._profiler is not None else 0

    def kernel_profile(self) -> "kernel_profile.KernelProfile":
        """Per plan step (as `onnxjit explain` names them, host steps included): calls, total time,
        average per call and per run, share of the run, over the runs since the session was created
        or reset_kernel_profile() (onnxjit extension; runtime/kernel_profile.py). `print()` it for a
        table, `.as_records()` for dicts. Fail unless the session profiles its kernels
        (SessionOptions.enable_profiling, or the session config entry onnxjit.profile_kernels = '1')."""
        return kernel_profile.of_session(self._executable)

    def reset_kernel_profile(self) -> None:
        """Zero kernel_profile()'s counts, e.g. after warm-up runs (onnxjit extension)."""
        kernel_profile.reset_session(self._executable)

    def run_async(self, output_names: Sequence[str] | None, input_feed: dict[str, Any], callback: Any,
                  user_data: Any, run_options: RunOptions | None = None) -> None:
        """Run on a worker thread, then call ``callback(results, user_data, err)`` there: the outputs and
        '' on success, ``[]`` and the error's message on failure. As in onnxruntime, a missing input
        raises here (ValueError) and every other error goes to the callback."""
        import threading

        from onnxjit.runtime.feeds import MissingInput

        missing = [vi.name for vi in self._inputs if vi.name not in input_feed]
        if missing:
            raise MissingInput(f"Required inputs ({missing}) are missing from input feed ({list(input_feed)}).")

        def work() -> None:
            try:
                results, err = self.run(output_names, input_feed, run_options), ""
            except OnnxJitError as exc:
                results, err = [], exc.detail
            except Exception as exc:  # noqa: BLE001 - every error reaches the callback, as in onnxruntime
                results, err = [], f"{type(exc).__name__}: {exc}"
            callback(results, user_data, err)

        threading.Thread(target=work, name="onnxjit-run-async", daemon=True).start()

    def get_input_memory_infos(self) -> list[Any]:
        """Where each input (get_inputs() order) is read from: the GPU for the Triton provider, else the CPU."""
        return [self._memory_info() for _ in self._inputs]

    def get_output_memory_infos(self) -> list[Any]:
        """Where each output (get_outputs() order) is written."""
        return [self._memory_info() for _ in self._outputs]

    def _memory_info(self) -> Any:
        from onnxjit.providers.base import ProviderName
        from onnxjit.runtime.device import cpu_memory_info, cuda_memory_info

        return cuda_memory_info() if self._providers[0][0] is ProviderName.TRITON else cpu_memory_info()

    @property
    def _sess(self) -> InferenceSession:
        """onnxruntime's inner session is this one (code written for it passes ``sess._sess`` to SessionIOBinding)."""
        return self


def with_session_options(proto: ModelProto, options: SessionOptions) -> ModelProto:
    """The model as the session options change it before anything reads it (a session and
    onnxjit.plan alike): their add_initializer values swapped in, and the free dimensions they pin
    by denotation fixed."""
    proto = with_initializer_overrides(proto, options._initializers)
    return pin_dims_by_denotation(proto, options._free_dim_by_denotation)


def with_initializer_overrides(proto: ModelProto, extra: dict[str, np.ndarray]) -> ModelProto:
    """The model with SessionOptions.add_initializer values swapped in (on a copy: the caller's
    ModelProto is never modified)."""
    if not extra:
        return proto
    copy = ModelProto()
    copy.CopyFrom(proto)
    proto = copy
    from onnx import numpy_helper

    for t in proto.graph.initializer:
        if t.name in extra:
            t.CopyFrom(numpy_helper.from_array(extra[t.name], t.name))
    return proto


def optimized_model(proto: ModelProto, level: int) -> tuple[Model, list[ValueInfo], list[ValueInfo],
                                                             list[ValueInfo], Any]:
    """Read, check and optimise a model as a session does (shared with onnxjit.plan, runtime/planning.py):
    (model, inputs, outputs, overridable initializers, pass report). Models are untrusted: whatever
    goes wrong on the way leaves as an onnxjit error (_untyped_as), never as a TypeError, ValueError,
    MemoryError or RecursionError from deep inside."""
    from onnxjit.compiler.passes.type_check import check_node_protos
    from onnxjit.errors import InvalidGraph

    proto = infer_shapes(proto)
    with _untyped_as(InvalidGraph, "model cannot be read"):
        model = loader.model_from_proto(proto)
        check_node_protos(proto)
    g = model.graph
    inits = set(g.initializers)
    # Before IR 4 every initializer had to be listed as an input: they are constants then.
    overridable = [vi for vi in g.inputs if vi.name in inits] if model.ir_version >= 4 else []
    inputs = [vi for vi in g.inputs if vi.name not in inits]
    outputs = list(g.outputs)
    _check_io_types(g.inputs, g.outputs)
    with _untyped_as(Fail, "model cannot be optimised"):
        report = optimize(model, level, {vi.name for vi in overridable})
    return model, inputs, outputs, overridable, report


def _stand_in(value) -> np.ndarray:
    """A host array with a device value's shape and dtype that holds no data (zero strides)."""
    base = np.zeros(1, dtype=value._dtype())
    return np.lib.stride_tricks.as_strided(base, shape=tuple(value.shape()), strides=(0,) * len(value.shape()))


def _detach_outputs(values: list[Any], feeds: dict[str, Any], constant_ids: frozenset[int]) -> list[Any]:
    """Outputs the caller owns, as onnxruntime returns them: an output that is (a view of) a feed,
    a model constant or another output is copied, so that writing to it changes nothing else."""
    taken = set(constant_ids)
    for f in feeds.values():
        if isinstance(f, np.ndarray):
            taken.add(id(array_root(f)))
    out = []
    for v in values:
        v = _output_value(v)
        if isinstance(v, np.ndarray):
            root = id(array_root(v))
            if root in taken:
                v = v.copy()
                root = id(v)
            taken.add(root)
        out.append(v)
    return out


def _output_value(v: Any) -> Any:
    if isinstance(v, np.ndarray) or v is None or isinstance(v, list):
        return v
    return np.asarray(v)
