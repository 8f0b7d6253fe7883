"""Issue 14's acceptance fuzz: a few hundred ModelProto mutants of small models (tests/fuzz/), each run
on onnxruntime and on onnxjit (Numba and CPU providers), batches in subprocesses.

Must hold: no crash, no hang, no error outside onnxjit's error classes, results equal to
onnxruntime's wherever both accept, no None in place of an output, and a result onnxjit alone
accepts agrees with onnx's reference evaluator (or, failing that, with onnxjit's CPU provider). `benchmarks/fuzz_models.py` runs 10k.
Environment: ONNXJIT_FUZZ_N (default 300), ONNXJIT_FUZZ_SEED (0), ONNXJIT_FUZZ_JOBS (2).
"""
from __future__ import annotations

import os

import pytest

from tests.fuzz.harness import run_fuzz


@pytest.mark.xdist_group("fuzz")
def test_fuzzed_models_never_crash_hang_leak_untyped_errors_or_disagree() -> None:
    n = int(os.environ.get("ONNXJIT_FUZZ_N", "300"))
    seed = int(os.environ.get("ONNXJIT_FUZZ_SEED", "0"))
    jobs = int(os.environ.get("ONNXJIT_FUZZ_JOBS", "2"))
    report = run_fuzz(n, run_seed=seed, jobs=jobs, batch=50, timeout=120)
    print()
    print(report.table())
    bad = report.failing_counts()
    assert not any(bad.values()), (
        f"fuzz failures {dict(bad)} (reproduce one: tests.fuzz.mutators.make_mutant({seed}, idx).data; "
        f"benchmarks/fuzz_models.py --save DIR writes them as .onnx):\n{report.table()}\n{report.failure_lines(15)}")
