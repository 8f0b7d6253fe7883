"""Runs mutants in batches of worker subprocesses and classifies every one of them.

A batch is one `python -m tests.fuzz.worker` process. The worker reports each stage of each mutant
before it starts it, so when the process dies (a signal, an abort, a nonzero exit without a result)
the mutant in progress is a *crash* at that stage, and when no line comes for `timeout` seconds it
is a *hang*; either way the rest of the batch goes on in a fresh process. A crash or hang inside
onnxruntime's stage is recorded as `ort-crash` / `ort-hang` (not onnxjit's failure).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from tests.fuzz.worker import FAILING, JIT_CONFIGS

REPO = Path(__file__).resolve().parents[2]


@dataclass
class FuzzReport:
    run_seed: int
    results: list[dict[str, Any]]
    seconds: float

    def counts(self) -> dict[str, Counter]:
        return {cfg: Counter(r["classes"][cfg]["class"] for r in self.results) for cfg in JIT_CONFIGS}

    def failures(self) -> list[dict[str, Any]]:
        return [r for r in self.results if any(c["class"] in FAILING for c in r["classes"].values())]

    def failing_counts(self) -> Counter:
        total: Counter = Counter()
        for counter in self.counts().values():
            for cls in FAILING:
                total[cls] += counter.get(cls, 0)
        return total

    def table(self) -> str:
        counts = self.counts()
        classes = sorted({c for counter in counts.values() for c in counter},
                         key=lambda c: (c not in FAILING, c))
        width = max([len(c) for c in classes] + [10])
        lines = [f"fuzz: {len(self.results)} mutants (run seed {self.run_seed}) in {self.seconds:.0f} s",
                 f"{'class':<{width}} " + " ".join(f"{cfg:>8}" for cfg in counts)]
        for cls in classes:
            mark = " <- failing" if cls in FAILING and any(counts[c][cls] for c in counts) else ""
            lines.append(f"{cls:<{width}} " + " ".join(f"{counts[cfg][cls]:>8}" for cfg in counts) + mark)
        return "\n".join(lines)

    def failure_lines(self, limit: int = 20) -> str:
        lines = []
        for r in self.failures()[:limit]:
            for cfg, c in r["classes"].items():
                if c["class"] in FAILING:
                    lines.append(f"#{r['idx']} [{cfg}] {c['class']}: {r['seed']}: {'; '.join(r['steps'])}\n"
                                 f"    {c['detail'][:400]}")
        more = len(self.failures()) - limit
        return "\n".join(lines) + (f"\n... and {more} more failing mutants" if more > 0 else "")


def _mutant_record(run_seed: int, idx: int) -> dict[str, Any]:
    from tests.fuzz.mutators import make_mutant

    try:
        m = make_mutant(run_seed, idx)
        return {"idx": idx, "seed": m.seed_name, "steps": m.steps}
    except Exception as exc:  # noqa: BLE001
        return {"idx": idx, "seed": "?", "steps": [f"make_mutant failed: {exc!r}"]}


def _died(run_seed: int, idx: int, stage: str, kind: str, tail: str, note: str = "") -> dict[str, Any]:
    """The record of a mutant whose process crashed or hung at `stage`."""
    record = _mutant_record(run_seed, idx)
    detail = f"{kind} during {stage}; {note}\nworker output tail:\n{tail[-1200:]}"
    classes = {}
    for cfg in JIT_CONFIGS:
        if stage == "ort":
            cls = f"ort-{kind}"
        elif stage == "reference":
            cls = f"reference-{kind}"
        elif stage == "mutate" or stage == f"onnxjit:{cfg}":
            cls = kind
        else:
            cls = "not-run"
        classes[cfg] = {"class": cls, "detail": detail if cls != "not-run" else "", "error": {}, "stage": stage}
    record.update(feed="?", ort={}, classes=classes)
    return record


@dataclass
class _WorkerRun:
    results: dict[int, dict[str, Any]]
    current: tuple[int, str] | None  # (mutant, stage) in progress when the process ended
    finished: list[int]  # mutants this process completed, in order
    ready: bool
    hung: bool
    returncode: int | None
    tail: str


def _run_worker(run_seed: int, indices: list[int], timeout: float, report: Path, log: Path,
                python: str) -> _WorkerRun:
    """One worker process over `indices`, killed (with its process group) after `timeout` seconds
    without a report line."""
    env = dict(os.environ)
    env.setdefault("ONNXJIT_CACHE_DIR", str(REPO / ".onnxjit_cache"))
    env.setdefault("PYTHONHASHSEED", "0")
    run = _WorkerRun({}, None, [], False, False, None, "")
    with open(log, "wb") as log_fh:
        proc = subprocess.Popen([python, "-m", "tests.fuzz.worker", str(run_seed), str(report)]
                                + [str(i) for i in indices], cwd=REPO, env=env, stdout=log_fh,
                                stderr=subprocess.STDOUT, start_new_session=True)
        seen = 0
        last = time.monotonic()
        while True:
            code = proc.poll()
            lines = report.read_text(encoding="utf-8").splitlines() if report.exists() else []
            for line in lines[seen:]:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    break  # a line still being written: read it next time
                seen += 1
                last = time.monotonic()
                if rec.get("ready"):
                    run.ready = True
                elif "result" in rec:
                    run.results[rec["idx"]] = rec["result"]
                    run.finished.append(rec["idx"])
                    run.current = None
                elif "stage" in rec:
                    run.current = (rec["idx"], rec["stage"])
            if code is not None:
                break
            if time.monotonic() - last > timeout:  # startup (imports) gets the same allowance as a stage
                run.hung = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
                break
            time.sleep(0.1)
    run.returncode = proc.returncode
    run.tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
    return run


def run_batch(run_seed: int, indices: list[int], timeout: float, workdir: Path,
              python: str = sys.executable) -> list[dict[str, Any]]:
    """Every mutant of `indices` evaluated, in as many worker processes as crashes and hangs need.
    A mutant that crashed or hung is run again alone in a fresh process: when it passes there, the
    crash stays recorded (it happened) and its detail names the mutants run before it in that
    process, one of which corrupted the memory."""
    results: dict[int, dict[str, Any]] = {}
    remaining = list(indices)
    workdir.mkdir(parents=True, exist_ok=True)
    attempt = 0
    while remaining:
        attempt += 1
        stem = workdir / f"batch_{indices[0]}_{attempt}"
        run = _run_worker(run_seed, remaining, timeout, stem.with_suffix(".jsonl"), stem.with_suffix(".log"), python)
        results.update(run.results)
        remaining = [i for i in remaining if i not in results]
        if not remaining:
            break
        current = run.current
        kind = "hang" if run.hung else "crash"
        if current is None:
            if not run.ready or run.hung:
                # the worker died or stalled outside any mutant (startup): every mutant left is lost
                for i in remaining:
                    results[i] = _died(run_seed, i, "mutate", kind, f"worker {kind} outside a mutant "
                                       f"(rc {run.returncode}):\n{run.tail}")
                break
            current = (remaining[0], "mutate")
        idx, stage = current
        alone = _run_worker(run_seed, [idx], timeout, stem.with_name(stem.name + "_alone.jsonl"),
                            stem.with_name(stem.name + "_alone.log"), python)
        if idx in alone.results:
            before = run.finished[-12:]
            note = (f"did not crash again alone (then: {alone.results[idx]['classes']['numba']['class']}): memory "
                    f"corrupted by this mutant or by one run before it in that process ({before})")
        else:
            stage_alone = alone.current[1] if alone.current else "startup"
            note = f"reproduces alone ({'hang' if alone.hung else 'crash'} during {stage_alone}, rc {alone.returncode})"
        results[idx] = _died(run_seed, idx, stage, kind, f"rc {run.returncode}\n{run.tail}", note)
        results[idx]["crash_reproduces_alone"] = idx not in alone.results
        remaining = [i for i in remaining if i != idx]
    return [results[i] for i in indices]


def run_fuzz(n: int, run_seed: int = 0, start: int = 0, jobs: int = 1, batch: int = 50, timeout: float = 120.0,
             workdir: Path | None = None, progress: Callable[[int, int], None] | None = None) -> FuzzReport:
    """Mutants start..start+n-1 of `run_seed`, in batches of `batch`, `jobs` worker processes at a time."""
    t0 = time.perf_counter()
    indices = list(range(start, start + n))
    batches = [indices[k:k + batch] for k in range(0, n, batch)]
    own_tmp = None
    if workdir is None:
        own_tmp = tempfile.TemporaryDirectory(prefix="onnxjit_fuzz_")
        workdir = Path(own_tmp.name)
    workdir.mkdir(parents=True, exist_ok=True)
    done = [0]
    lock = threading.Lock()

    def one(b: list[int]) -> list[dict[str, Any]]:
        out = run_batch(run_seed, b, timeout, workdir)
        with lock:
            done[0] += len(b)
            if progress is not None:
                progress(done[0], n)
        return out

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            results = [r for rs in pool.map(one, batches) for r in rs]
    finally:
        if own_tmp is not None:
            own_tmp.cleanup()
    return FuzzReport(run_seed, results, time.perf_counter() - t0)


def save_failures(report: FuzzReport, folder: Path) -> int:
    """Each failing mutant as `<seed>_<idx>.onnx` (the exact bytes run) plus a line in failures.jsonl
    with its classes and errors; returns how many were written."""
    from tests.fuzz.mutators import make_mutant

    folder.mkdir(parents=True, exist_ok=True)
    failing = report.failures()
    with open(folder / "failures.jsonl", "a", encoding="utf-8") as fh:
        for r in failing:
            mutant = make_mutant(report.run_seed, r["idx"])
            path = folder / f"{report.run_seed}_{r['idx']}.onnx"
            path.write_bytes(mutant.data)
            fh.write(json.dumps({"file": path.name, "run_seed": report.run_seed, "idx": r["idx"],
                                 "seed": r["seed"], "steps": r["steps"], "ort": r.get("ort"),
                                 "classes": r["classes"]}) + "\n")
    return len(failing)
