"""Session profiling as onnxruntime does it: a Chrome trace (chrome://tracing, Perfetto) of complete
("ph": "X") events, written by InferenceSession.end_profiling().

- "Session" events: model loading, session initialisation, and per run "model_run" (the whole call)
  and "SequentialExecutor::Execute" (the provider running its plan), as onnxruntime names them;
- "Node" events, one per kernel a run executes, named "<plan step>_kernel_time" (onnxruntime's
  "<node>_kernel_time"), whose args name the ONNX nodes the kernel fuses, their op types, the
  provider and the plan step. The providers add them (providers/profile_events.py builds the args).

Timestamps and durations are integer microseconds from the profiling start; the start is the epoch
time in nanoseconds (time.time_ns), which get_profiling_start_time_ns() returns. The file is a JSON
array, one event per line, as onnxruntime writes it. Nothing here runs when profiling is off: the
session holds no Profiler then, and the providers check for one once per run or segment.
"""
from __future__ import annotations

import enum
import json
import os
import threading
import time
from datetime import datetime
from typing import Any


class Category(str, enum.Enum):
    SESSION = "Session"
    NODE = "Node"


class Profiler:
    """One session's events, from its creation until end() writes them (after which it records nothing)."""

    def __init__(self, prefix: str):
        self.start_ns = time.time_ns()          # epoch: what get_profiling_start_time_ns() returns
        self._origin = time.perf_counter_ns()   # the same instant on the monotonic clock events use
        self.prefix = prefix
        self.enabled = True
        self.events: list[dict[str, Any]] = []  # appended from any thread (list.append is atomic)
        self._pid = os.getpid()

    @staticmethod
    def now() -> int:
        """A timestamp for add(): the monotonic clock in nanoseconds."""
        return time.perf_counter_ns()

    def add(self, category: Category, name: str, begin_ns: int, end_ns: int,
            args: dict[str, Any] | None = None) -> None:
        """An event that began and ended at the given now() timestamps."""
        if not self.enabled:
            return
        self.events.append({"cat": category.value, "pid": self._pid, "tid": threading.get_native_id(),
                            "dur": max(0, (end_ns - begin_ns) // 1000), "ts": (begin_ns - self._origin) // 1000,
                            "ph": "X", "name": name, "args": args or {}})

    def node(self, name: str, begin_ns: int, end_ns: int, args: dict[str, Any]) -> None:
        """A kernel's event (what providers call: they need not know the categories)."""
        self.add(Category.NODE, name, begin_ns, end_ns, args)

    def file_name(self) -> str:
        """onnxruntime's name: the prefix, '_', then the local start time to the millisecond."""
        start = datetime.fromtimestamp(self.start_ns / 1e9)
        return f"{self.prefix}_{start.strftime('%Y-%m-%d_%H-%M-%S')}_{start.microsecond // 1000:03d}.json"

    def end(self) -> str:
        """Write the trace and stop recording; the file's path, or '' when it was written already."""
        if not self.enabled:
            return ""
        self.enabled = False
        path = self.file_name()
        lines = ",\n".join(json.dumps(e, separators=(",", ":")) for e in self.events)
        with open(path, "w", encoding="utf-8") as f:
            f.write("[\n" + lines + ("\n" if lines else "") + "]\n")
        return path


def run_args(run_options: Any) -> dict[str, Any]:
    """What a model_run event says about its RunOptions (run_tag / logid, only_execute_path_to_fetches)."""
    if run_options is None:
        return {}
    args: dict[str, Any] = {}
    tag = getattr(run_options, "run_tag", "") or getattr(run_options, "logid", "")
    if tag:
        args["run_tag"] = str(tag)
    if getattr(run_options, "only_execute_path_to_fetches", False):
        args["only_execute_path_to_fetches"] = True
    return args


# --- the session's hooks (each a no-op without a profiler) ---------------------------------------
def start(options: Any) -> Profiler | None:
    """The session's profiler when its SessionOptions enable profiling, else None."""
    if not getattr(options, "enable_profiling", False):
        return None
    return Profiler(str(getattr(options, "profile_file_prefix", "onnxruntime_profile_")))


def session_event(profiler: Profiler | None, name: str, begin_ns: int | None = None) -> int:
    """A "Session" event from `begin_ns` (default: the profiling start) until now; returns now."""
    now = time.perf_counter_ns()
    if profiler is not None:
        profiler.add(Category.SESSION, name, profiler._origin if begin_ns is None else begin_ns, now)
    return now


def attach(profiler: Profiler | None, executable: Any) -> None:
    """Let the provider's executable record its kernels' events (every provider's has `profile_with`;
    one without it would give the Session events only)."""
    if profiler is not None and hasattr(executable, "profile_with"):
        executable.profile_with(profiler)


def timed_run(profiler: Profiler, executable: Any, feeds: dict[str, Any]) -> dict[str, Any]:
    """executable.run(feeds) inside a "SequentialExecutor::Execute" event (onnxruntime's name for the
    part of a run that executes the plan)."""
    t0 = time.perf_counter_ns()
    results = executable.run(feeds)
    profiler.add(Category.SESSION, "SequentialExecutor::Execute", t0, time.perf_counter_ns())
    return results


def model_run(profiler: Profiler, begin_ns: int, run_options: Any) -> None:
    """The "model_run" event of one run that began at `begin_ns`."""
    profiler.add(Category.SESSION, "model_run", begin_ns, time.perf_counter_ns(), run_args(run_options))
