"""onnxjit (NumbaExecutionProvider) vs onnxruntime (CPU, same thread count) in one process.

Runs are alternated between the two runtimes; the table shows medians and the ratio
onnxjit/onnxruntime (lower is better). Usage: python benchmarks/bench.py [--repeat N] [--models a,b]
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import onnx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conformance.cases import light_inputs, light_models  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--models", default="", help="comma-separated light model names (default: all nine)")
    args = ap.parse_args()
    import onnxruntime as ort

    import onnxjit

    rows = []
    wanted = set(filter(None, args.models.split(",")))
    for name, path, _ in light_models():
        if wanted and name not in wanted:
            continue
        feeds = light_inputs(onnx.load(str(path)))
        so = ort.SessionOptions()
        so.intra_op_num_threads = args.threads
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        t = time.perf_counter()
        ref = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        ort_create = time.perf_counter() - t
        t = time.perf_counter()
        jit = onnxjit.InferenceSession(str(path), providers=["NumbaExecutionProvider", "CPUExecutionProvider"])
        jit.run(None, feeds)  # compile (or load from the cache) on first run
        jit_create = time.perf_counter() - t
        ref.run(None, feeds)
        tj, tr = [], []
        for _ in range(args.repeat):
            t = time.perf_counter(); jit.run(None, feeds); tj.append(time.perf_counter() - t)
            t = time.perf_counter(); ref.run(None, feeds); tr.append(time.perf_counter() - t)
        mj, mr = statistics.median(tj), statistics.median(tr)
        rows.append((name, jit_create, ort_create, mj * 1e3, mr * 1e3, mj / mr))
        print(f"{name:<22} create {jit_create:7.2f}s / {ort_create:5.2f}s   run {mj * 1e3:8.2f} ms / {mr * 1e3:8.2f} ms"
              f"   ratio {mj / mr:5.2f}", flush=True)
    if rows:
        geo = math.exp(sum(math.log(r[5]) for r in rows) / len(rows))
        print(f"geomean ratio onnxjit/onnxruntime: {geo:.2f} over {len(rows)} models "
              f"(threads={args.threads}, repeat={args.repeat}, cache={os.environ.get('ONNXJIT_CACHE_DIR', '~/.cache/onnxjit')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
