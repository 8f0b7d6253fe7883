"""onnxjit (NumbaExecutionProvider) vs onnxruntime (CPU, same thread count) in one process.

Models: an MLP and a 4-layer transformer encoder (d=256, seq 128) exported from torch, and the onnx
package's nine light_* models. Runs alternate between the two runtimes; the table shows session
create time, median run time and the ratio onnxjit/onnxruntime (lower is better), then the geomean.
Also measures light_resnet50's cold compile (new process, empty cache) and warm start (new process,
cache present; the median of WARM_REPEAT new processes), and writes a PNG bar chart of the ratios.

    python benchmarks/bench.py [--repeat N] [--threads T] [--models a,b] [--chart PATH] [--no-startup]
                               [--only-startup]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conformance.cases import light_inputs, light_models  # noqa: E402

MLP = dict(d_in=256, hidden=1024, d_out=16)
MLP_BATCH = 8
ENCODER = dict(d_model=256, heads=4, d_ff=1024, layers=4)
ENCODER_INPUT = (1, 128, 256)
WARM_REPEAT = 3  # warm starts measured (new processes); the median is reported, with each

# A new process that opens a model on Numba and runs it once; prints the seconds each took, and the
# CPU seconds (user + sys, of the process and its compile workers) creating the session took.
STARTUP = """
import json, resource, sys, time
def cpu():
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))
t0 = time.perf_counter()
import numpy as np
import onnxjit
t1 = time.perf_counter()
c1 = cpu()
sess = onnxjit.InferenceSession(sys.argv[1], providers=["NumbaExecutionProvider"])
t2 = time.perf_counter()
c2 = cpu()
inp = sess.get_inputs()[0]
sess.run(None, {inp.name: np.zeros([d if isinstance(d, int) else 1 for d in inp.shape], np.float32)})
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "create": t2 - t1, "first_run": t3 - t2,
                  "create_cpu": c2 - c1, "compiled": sess.compile_stats()["compiled"]}))
"""


def torch_models(folder: Path) -> list[tuple[str, Path, dict[str, np.ndarray]]]:
    try:
        from benchmarks.torch_models import export_encoder, export_mlp
    except ImportError:  # torch is not installed: bench the light models only
        return []
    rng = np.random.default_rng(0)
    mlp = export_mlp(folder / "mlp.onnx", **MLP)
    enc = export_encoder(folder / "encoder.onnx", **ENCODER)
    return [(f"mlp {MLP['d_in']}-{MLP['hidden']} b{MLP_BATCH}", mlp,
             {"x": rng.standard_normal((MLP_BATCH, MLP["d_in"])).astype(np.float32)}),
            (f"transformer d{ENCODER['d_model']} L{ENCODER['layers']} s{ENCODER_INPUT[1]}", enc,
             {"x": rng.standard_normal(ENCODER_INPUT).astype(np.float32)})]


def bench_one(name: str, path: Path, feeds: dict[str, np.ndarray], repeat: int, threads: int) -> tuple:
    import onnxruntime as ort

    import onnxjit

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    t = time.perf_counter()
    ref = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    ort_create = time.perf_counter() - t
    jo = onnxjit.SessionOptions()
    jo.intra_op_num_threads = threads
    t = time.perf_counter()
    jit = onnxjit.InferenceSession(str(path), jo, providers=["NumbaExecutionProvider", "ReferenceExecutionProvider"])
    jit_create = time.perf_counter() - t
    got, want = jit.run(None, feeds), ref.run(None, feeds)
    ok = all(np.allclose(g, w, rtol=1e-3, atol=1e-4) for g, w in zip(got, want))
    tj, tr = [], []
    for _ in range(repeat):
        t = time.perf_counter(); jit.run(None, feeds); tj.append(time.perf_counter() - t)
        t = time.perf_counter(); ref.run(None, feeds); tr.append(time.perf_counter() - t)
    mj, mr = statistics.median(tj), statistics.median(tr)
    plan = jit.executable.plan
    row = (name, jit_create, ort_create, mj * 1e3, mr * 1e3, mj / mr, ok, len(plan.kernel_steps),
           sum(len(s.nodes) for s in plan.host_steps))
    print(f"{name:<26} {jit_create:8.2f} {ort_create:6.2f} {mj * 1e3:10.2f} {mr * 1e3:10.2f} {mj / mr:6.2f}"
          f"  {'yes' if ok else 'NO':>5} {row[7]:7d} {row[8]:5d}", flush=True)
    return row


def startup(model: Path, cache: str) -> dict:
    env = {**os.environ, "ONNXJIT_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", STARTUP, str(model)], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--models", default="", help="comma-separated names (substring match; default: all)")
    ap.add_argument("--chart", default=str(ROOT / "benchmarks" / "results" / "ratios.png"))
    ap.add_argument("--no-startup", action="store_true", help="skip the cold/warm start measurement")
    ap.add_argument("--only-startup", action="store_true", help="only the cold/warm start measurement")
    args = ap.parse_args()
    wanted = [w for w in args.models.split(",") if w]
    tmp = Path(tempfile.mkdtemp(prefix="onnxjit_bench_"))
    models = [] if args.only_startup else \
        torch_models(tmp) + [(name, path, light_inputs(onnx.load(str(path)))) for name, path, _ in light_models()]
    if models:
        print(f"{'model':<26} {'create s':>8} {'ort s':>6} {'onnxjit ms':>10} {'ort ms':>10} {'ratio':>6}  {'same':>5}"
              f" {'kernels':>7} {'host':>5}")
    rows = [bench_one(name, path, feeds, args.repeat, args.threads)
            for name, path, feeds in models if not wanted or any(w in name for w in wanted)]
    if rows:
        geo = math.exp(sum(math.log(r[5]) for r in rows) / len(rows))
        light = [r[5] for r in rows if r[0].startswith("light_")]
        print(f"geomean ratio onnxjit/onnxruntime: {geo:.2f} over {len(rows)} models"
              + (f" (light_* only: {math.exp(sum(map(math.log, light)) / len(light)):.2f})" if light else "")
              + f"; threads={args.threads}, repeat={args.repeat}, median of each")
        try:
            from benchmarks.chart import bar_chart_png

            Path(args.chart).parent.mkdir(parents=True, exist_ok=True)
            bar_chart_png(args.chart, [r[0] for r in rows] + ["geomean"], [r[5] for r in rows] + [geo],
                          f"onnxjit / onnxruntime median latency, {args.threads} threads (lower is better)")
            print(f"chart: {args.chart}")
        except ImportError:
            pass
    if not args.no_startup:
        resnet = next(path for name, path, _ in light_models() if name == "light_resnet50")
        cache = tempfile.mkdtemp(prefix="onnxjit_cold_")
        cold = startup(resnet, cache)
        warm = [startup(resnet, cache) for _ in range(WARM_REPEAT)]
        times = sorted(w["create"] + w["first_run"] for w in warm)
        print(f"light_resnet50 cold compile (new process, empty cache): session create {cold['create']:.2f} s "
              f"({cold['create_cpu']:.2f} CPU s, workers included), {cold['compiled']} functions compiled")
        print(f"light_resnet50 warm start (new process, cache present): create + first run, median of "
              f"{len(times)}: {statistics.median(times):.2f} s (each: {', '.join(f'{t:.2f}' for t in times)}; "
              f"{max(w['compiled'] for w in warm)} compiled; importing onnxjit took "
              f"{statistics.median(w['import'] for w in warm):.2f} s more)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
