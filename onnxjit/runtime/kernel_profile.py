"""InferenceSession.kernel_profile(): per plan step, how often a profiled session ran it and how long it
took, per call and per run, as rows a notebook can print (`to_table`) or plot (`as_records`).

The rows are the plan's steps as `onnxjit explain` lists them (index, name, kind, op types, the ONNX
nodes each fuses); host steps (ops the compiled kernels do not take, run by their reference kernel)
are rows too, named so by their kind and provider. The counts come from the provider's KernelTimes
(providers/profile_events.py), filled while the session runs in profile mode
(SessionOptions.enable_profiling, or the session config entry onnxjit.profile_kernels = '1').
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from onnxjit.compiler.fusion.plan import KernelPlan, StepKind
from onnxjit.providers.base import ProviderName
from onnxjit.providers.profile_events import KernelTimes


@dataclass(frozen=True)
class KernelRow:
    """One plan step's counts over the profiled runs."""

    step: int                  # its index in the plan (`onnxjit explain`'s [k])
    name: str                  # the plan step's name (the trace's "<name>_kernel_time")
    kind: str                  # the step's kind: elementwise, template, reduction, copy, host
    op_types: tuple[str, ...]  # of the ONNX nodes it fuses
    nodes: tuple[str, ...]     # the ONNX node names it fuses
    provider: str              # what ran it: the session's provider, or the reference kernels (host steps)
    kernel: str                # the generated kernel function ('' for a host step)
    calls: int
    total_seconds: float
    per_call_seconds: float    # total / calls
    per_run_seconds: float     # total / profiled runs
    share: float               # of the profiled runs' time in the provider, 0..1


@dataclass(frozen=True)
class KernelProfile:
    """A session's per-kernel counts since it was created or last reset; rows slowest first."""

    provider: str
    runs: int
    run_seconds: float         # the profiled runs' time in the provider, in all
    rows: tuple[KernelRow, ...]

    @property
    def kernel_seconds(self) -> float:
        """Time in the timed steps, in all; the rest of run_seconds is the provider's own work
        (binding shapes, allocating outputs, the Python between calls)."""
        return sum(r.total_seconds for r in self.rows)

    @property
    def per_run_seconds(self) -> float:
        return self.run_seconds / self.runs if self.runs else 0.0

    def as_records(self) -> list[dict[str, Any]]:
        """The rows as dicts (for pandas.DataFrame(...) or plotting without it); lists, not tuples."""
        return [{k: list(v) if isinstance(v, tuple) else v for k, v in asdict(r).items()} for r in self.rows]

    def to_table(self, limit: int | None = None) -> str:
        """The profile as a fixed-width text table, slowest steps first (the first `limit` of them)."""
        if not self.runs:
            return f"kernel profile ({self.provider}): no profiled runs yet"
        per_run = self.per_run_seconds
        head = (f"kernel profile ({self.provider}): {self.runs} runs, {per_run * 1e3:.3f} ms per run, "
                f"{len(self.rows)} steps ({self.kernel_seconds / self.runs * 1e3:.3f} ms per run in them)")
        cols = f"  {'step':>5}  {'name':<28} {'kind':<11} {'calls':>6} {'total ms':>10} {'per call ms':>11} " \
               f"{'per run ms':>10} {'share':>6}  op types"
        lines = [head, cols]
        rows = self.rows if limit is None else self.rows[:limit]
        for r in rows:
            lines.append(f"  [{r.step:3d}]  {r.name[:28]:<28} {r.kind:<11} {r.calls:>6} {r.total_seconds * 1e3:>10.3f} "
                         f"{r.per_call_seconds * 1e3:>11.4f} {r.per_run_seconds * 1e3:>10.4f} {r.share:>6.1%}  "
                         f"{','.join(r.op_types)}")
        if limit is not None and len(self.rows) > limit:
            rest = self.rows[limit:]
            lines.append(f"  ... {len(rest)} more steps, {sum(r.per_run_seconds for r in rest) * 1e3:.4f} ms per run")
        other = max(0.0, self.run_seconds - self.kernel_seconds)
        lines.append(f"  outside the steps (binding, outputs, Python between calls): {other / self.runs * 1e3:.4f} ms per run")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_table()


def summarize(plan: KernelPlan, times: KernelTimes, provider: str, kernels: dict[int, str] | None = None) -> KernelProfile:
    """The profile of `times` (a provider's counts) over `plan`'s steps; `kernels`: plan step -> the
    generated function it calls."""
    runs, run_ns, per_step = times.snapshot()
    kernels = kernels or {}
    run_seconds = run_ns / 1e9
    rows = []
    for k, (calls, ns) in per_step.items():
        step = plan.steps[k]
        total = ns / 1e9
        host = step.kind is StepKind.HOST
        rows.append(KernelRow(
            step=k, name=step.name, kind=step.kind.value, op_types=tuple(step.op_types), nodes=tuple(step.node_names),
            provider=ProviderName.REFERENCE.value if host else provider, kernel="" if host else kernels.get(k, ""),
            calls=calls, total_seconds=total, per_call_seconds=total / calls if calls else 0.0,
            per_run_seconds=total / runs if runs else 0.0, share=total / run_seconds if run_seconds else 0.0))
    rows.sort(key=lambda r: (-r.total_seconds, r.step))
    return KernelProfile(provider, runs, run_seconds, tuple(rows))


OFF_MESSAGE = ("kernel profiling is off for this session: create it with SessionOptions.enable_profiling = True "
               "or the session config entry 'onnxjit.profile_kernels' = '1' (NumbaExecutionProvider, "
               "TritonExecutionProvider)")


def _times(executable: Any) -> KernelTimes:
    times = getattr(executable, "kernel_times", None)
    if not getattr(executable, "profiling", False) or not isinstance(times, KernelTimes):
        from onnxjit.errors import Fail  # noqa: PLC0415

        raise Fail(OFF_MESSAGE)
    return times


def of_session(executable: Any) -> KernelProfile:
    """What InferenceSession.kernel_profile() returns: the executable's profile; Fail (saying how to
    turn it on) when the session does not profile its kernels."""
    _times(executable)
    return executable.kernel_profile()


def reset_session(executable: Any) -> None:
    """What InferenceSession.reset_kernel_profile() does: zero the counts (runs included)."""
    _times(executable).reset()
