"""Warm start of light_resnet50: new process, on-disk cache present; median of N runs.

Uses the same STARTUP script as benchmarks/bench.py (create + first run, import separately).
Usage: PYTHONPATH=. python benchmarks/warm_start.py [--repeat 3] [--cache DIR] [--model PATH]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench import startup  # noqa: E402  (the same STARTUP script as bench.py)
from tests.conformance.cases import light_models  # noqa: E402


def resnet_path() -> Path:
    return next(path for name, path, _ in light_models() if name == "light_resnet50")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cache", default="", help="cache dir (default: a fresh temp dir, filled first)")
    ap.add_argument("--model", default="")
    args = ap.parse_args()
    model = Path(args.model) if args.model else resnet_path()
    cache = args.cache or tempfile.mkdtemp(prefix="onnxjit_warm_")
    fill = [startup(model, cache) for _ in range(2)]
    print(f"fill runs: create {[round(f['create'], 2) for f in fill]} s, compiled {[f['compiled'] for f in fill]}")
    runs = [startup(model, cache) for _ in range(args.repeat)]
    for r in runs:
        print(f"  import {r['import']:.3f}  create {r['create']:.3f}  first_run {r['first_run']:.3f}  "
              f"create+run {r['create'] + r['first_run']:.3f}  compiled {r['compiled']}")
    med = statistics.median(r["create"] + r["first_run"] for r in runs)
    imp = statistics.median(r["import"] for r in runs)
    print(f"warm start light_resnet50: create + first run median {med:.3f} s; import onnxjit median {imp:.3f} s "
          f"(n={args.repeat}, cache {cache})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
