"""Run ONNX backend node cases through onnxjit and report.

    python -m tests.conformance.run_cases [-k SUBSTR ...] [--provider P] [-v] [--summary-only]

The last line is always `conformance <provider>: passed N of T`.
"""
from __future__ import annotations

import argparse
import sys
import time
import traceback
import warnings

from tests.conformance.cases import expected_failures, node_cases, run_case


def _use_triton() -> None:
    """Triton runs on a GPU when there is one, else in its interpreter (TRITON_INTERPRET=1, set before
    any kernel is defined); a provider that is not available would silently leave the cases to CPU."""
    import os

    from onnxjit.providers.triton.device import cuda_available, triton_available

    if not cuda_available():
        os.environ.setdefault("TRITON_INTERPRET", "1")
    if not triton_available():
        raise SystemExit("TritonExecutionProvider is not available here (torch and triton are needed)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", action="append", default=[], help="run cases whose name contains this (repeatable)")
    ap.add_argument("--provider", default="ReferenceExecutionProvider")
    ap.add_argument("-v", action="store_true", help="print the full traceback of failures")
    ap.add_argument("--summary-only", action="store_true")
    ap.add_argument("--failures-out", help="write 'name: error' lines of failures to this file")
    args = ap.parse_args(argv)
    if args.provider in ("TritonExecutionProvider", "CUDAExecutionProvider"):
        _use_triton()
    cases = node_cases()
    names = sorted(n for n in cases if not args.k or any(k in n for k in args.k))
    known = expected_failures(args.provider)
    providers = [args.provider] if args.provider == "ReferenceExecutionProvider" else [args.provider, "ReferenceExecutionProvider"]
    passed, failures = 0, []
    t0 = time.time()
    for name in names:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                run_case(cases[name], providers)
            passed += 1
            if not args.summary_only and name in known:
                print(f"XPASS {name} (listed as expected failure: {known[name]})")
        except Exception as exc:  # noqa: BLE001
            msg = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"[:300]
            failures.append((name, msg))
            if not args.summary_only:
                print(f"FAIL {name}: {msg}")
                if args.v:
                    traceback.print_exc()
    if args.failures_out:
        with open(args.failures_out, "w") as f:
            for name, msg in failures:
                f.write(f"{name}: {msg}\n")
    if not args.summary_only:
        print(f"({time.time() - t0:.1f}s)", file=sys.stderr)
    print(f"conformance {args.provider}: passed {passed} of {len(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
