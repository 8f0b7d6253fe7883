"""The long model fuzz of issue 14: N mutants (10k by default) of tests/fuzz's seed models.

    .venv/bin/python benchmarks/fuzz_models.py [--n 10000] [--seed 0] [--start 0] [--jobs 2]
        [--batch 50] [--timeout 120] [--save benchmarks/out/fuzz_failures] [--show 30] [--results FILE]

Prints the table of classes per onnxjit configuration, the first failing mutants, and writes every
failing mutant to the --save folder: `<seed>_<idx>.onnx` (the exact bytes run) and a line of
failures.jsonl (mutations, classes, errors, traceback tails). Exit status 1 when anything failed
(crash, hang, untyped error, mismatch, a wrong result onnxjit alone accepts).
A single mutant again: `--start IDX --n 1`.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("ONNXJIT_CACHE_DIR", str(REPO / ".onnxjit_cache"))

from tests.fuzz.harness import run_fuzz, save_failures  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000, help="how many mutants")
    ap.add_argument("--seed", type=int, default=0, help="run seed (mutant k of a seed is always the same)")
    ap.add_argument("--start", type=int, default=0, help="index of the first mutant")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes at a time")
    ap.add_argument("--batch", type=int, default=50, help="mutants per worker process")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds without progress that make a hang")
    ap.add_argument("--save", type=Path, default=REPO / "benchmarks" / "out" / "fuzz_failures", help="folder for failing mutants")
    ap.add_argument("--show", type=int, default=30, help="failing mutants to print")
    ap.add_argument("--results", type=Path, help="also write every mutant's record (JSON lines) here")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()

    def progress(done: int, total: int) -> None:
        rate = done / max(time.perf_counter() - t0, 1e-9)
        print(f"  {done}/{total} mutants, {rate:.1f}/s", file=sys.stderr, flush=True)

    report = run_fuzz(args.n, run_seed=args.seed, start=args.start, jobs=args.jobs, batch=args.batch,
                      timeout=args.timeout, progress=progress)
    print(report.table())
    if args.results is not None:
        with open(args.results, "w", encoding="utf-8") as fh:
            for record in report.results:
                fh.write(json.dumps(record) + "\n")
    failing = report.failures()
    if failing:
        print(report.failure_lines(args.show))
        written = save_failures(report, args.save)
        print(f"{written} failing mutants written to {args.save}")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
