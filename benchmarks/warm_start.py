"""Warm start of light_resnet50: new process, on-disk cache present; median of N runs.

Uses the same STARTUP script as benchmarks/bench.py (create + first run, import separately).
Usage: PYTHONPATH=. python benchmarks/warm_start.py [--repeat 3] [--cache DIR] [--model PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTUP = """
import json, sys, time
t0 = time.perf_counter()
import numpy as np
import onnxjit
t1 = time.perf_counter()
sess = onnxjit.InferenceSession(sys.argv[1], providers=["NumbaExecutionProvider"])
t2 = time.perf_counter()
inp = sess.get_inputs()[0]
sess.run(None, {inp.name: np.zeros([d if isinstance(d, int) else 1 for d in inp.shape], np.float32)})
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "create": t2 - t1, "first_run": t3 - t2,
                  "compiled": sess.compile_stats()["compiled"]}))
"""


def resnet_path() -> Path:
    import onnx
    return Path(os.path.dirname(onnx.__file__)) / "backend/test/data/light/light_resnet50.onnx"


def startup(model: Path, cache: str) -> dict:
    env = {**os.environ, "ONNXJIT_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", STARTUP, str(model)], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


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
