"""Concurrent runs on one session (issue 14): 8 threads x 200 runs against 1600 sequential runs,
same session, same inputs, in alternating pairs. Runs take their own work arenas and the compiled drivers release the
GIL, so threads overlap in compiled code. Prints both wall times (medians of --repeat) and the median
ratio sequential / concurrent over the pairs (above 1: concurrent is faster); onnxruntime's as the
baseline.

The model is an MLP whose kernels take a while (x[32, 512] through three 512x512 layers) and the
session uses one intra-op thread, so that the gain comes from running requests side by side.

Usage: PYTHONPATH=. python benchmarks/concurrent_runs.py [--threads 8] [--runs 200] [--repeat 5] [--no-ort]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def mlp(width: int = 512, layers: int = 3) -> onnx.ModelProto:
    rng = np.random.default_rng(0)
    nodes, inits, x = [], [], "x"
    for k in range(layers):
        inits += [numpy_helper.from_array(rng.standard_normal((width, width)).astype(np.float32) / width ** 0.5, f"w{k}"),
                  numpy_helper.from_array(rng.standard_normal(width).astype(np.float32) * 0.1, f"b{k}")]
        nodes += [helper.make_node("Gemm", [x, f"w{k}", f"b{k}"], [f"h{k}"]), helper.make_node("Relu", [f"h{k}"], [f"r{k}"])]
        x = f"r{k}"
    nodes.append(helper.make_node("Identity", [x], ["y"]))
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", width])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def sequential(run, feeds: list[dict], total: int) -> float:
    t0 = time.perf_counter()
    for i in range(total):
        run(feeds[i % len(feeds)])
    return time.perf_counter() - t0


def concurrent(run, feeds: list[dict], threads: int, runs: int) -> float:
    start = threading.Barrier(threads + 1)
    errors: list[BaseException] = []

    def work(k: int) -> None:
        start.wait()
        try:
            for _ in range(runs):
                run(feeds[k % len(feeds)])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return elapsed


def compare(name: str, run, feeds: list[dict], threads: int, runs: int, repeat: int) -> None:
    for f in feeds:  # warm: bindings and arenas for every input shape
        run(f)
    concurrent(run, feeds, threads, 5)
    # alternating pairs, so that both see the same machine load; the median of the pairs' ratios
    pairs = [(sequential(run, feeds, threads * runs), concurrent(run, feeds, threads, runs)) for _ in range(repeat)]
    seq = statistics.median(p[0] for p in pairs)
    par = statistics.median(p[1] for p in pairs)
    ratio = statistics.median(p[0] / p[1] for p in pairs)
    print(f"{name:36s} sequential {threads * runs} runs {seq:7.3f} s   {threads} threads x {runs} runs {par:7.3f} s   "
          f"ratio sequential/concurrent {ratio:.2f} (median of {repeat} alternating pairs)")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--intra-op", type=int, default=1, help="intra_op_num_threads of both sessions")
    ap.add_argument("--no-ort", action="store_true")
    args = ap.parse_args()
    blob = mlp().SerializeToString()
    rng = np.random.default_rng(1)
    feeds = [{"x": rng.standard_normal((args.batch, 512)).astype(np.float32)} for _ in range(args.threads)]

    import onnxjit  # noqa: PLC0415

    so = onnxjit.SessionOptions()
    so.intra_op_num_threads = args.intra_op
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sess = onnxjit.InferenceSession(blob, so, providers=["NumbaExecutionProvider"])
    expected = [sess.run(None, f)[0] for f in feeds]
    print(f"MLP 3 x 512x512, batch {args.batch}, intra_op_num_threads={args.intra_op}, median of {args.repeat}")
    compare("onnxjit NumbaExecutionProvider", lambda f: sess.run(None, f), feeds, args.threads, args.runs, args.repeat)
    assert all(np.array_equal(sess.run(None, f)[0], e) for f, e in zip(feeds, expected))
    if not args.no_ort:
        try:
            import onnxruntime as ort  # noqa: PLC0415
        except ImportError:
            return 0
        oso = ort.SessionOptions()
        oso.intra_op_num_threads = args.intra_op
        ref = ort.InferenceSession(blob, oso, providers=["CPUExecutionProvider"])
        compare("onnxruntime CPUExecutionProvider", lambda f: ref.run(None, f), feeds, args.threads, args.runs,
                args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
