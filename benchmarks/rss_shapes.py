"""Resident memory over many distinct batch sizes on one session (issue 14): a session keeps its
per-shape bindings in a bounded table, so RSS after thousands of new shapes stays where it was
after warm-up. Prints RSS after warm-up, after the distinct batch sizes, and their ratio (onnxjit,
and onnxruntime as the baseline when installed).

Warm-up runs 200 distinct batch sizes drawn from the same range as the measured ones (so that the
table is full of bindings of typical sizes), then 3000 more distinct batch sizes, shuffled.

Usage: PYTHONPATH=. python benchmarks/rss_shapes.py [--sizes 3000] [--provider NumbaExecutionProvider] [--no-ort]
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    """Resident set size now (not the peak), from /proc/self/statm; psutil elsewhere."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import psutil  # noqa: PLC0415

        return psutil.Process().memory_info().rss / 2**20


def mlp(d_in: int = 64, hidden: int = 128, d_out: int = 16) -> onnx.ModelProto:
    """x[N, 64] -> Gemm + Relu -> MatMul + Add -> Softmax."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal(s).astype(np.float32) * 0.1, n)
             for n, s in (("w1", (hidden, d_in)), ("b1", (hidden,)), ("w2", (hidden, d_out)), ("b2", (d_out,)))]
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1), helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("MatMul", ["r", "w2"], ["m"]), helper.make_node("Add", ["m", "b2"], ["a"]),
             helper.make_node("Softmax", ["a"], ["y"], axis=-1)]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", d_in])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def measure(run, sizes: list[int], warm: int, d_in: int) -> tuple[float, float]:
    rng = np.random.default_rng(1)
    data = rng.standard_normal((max(sizes), d_in)).astype(np.float32)
    for n in sizes[:warm]:
        run(data[:n])
    gc.collect()
    before = rss_mb()
    for n in sizes[warm:]:
        run(data[:n])
    gc.collect()
    return before, rss_mb()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, default=3000, help="distinct batch sizes after warm-up")
    ap.add_argument("--warm", type=int, default=200, help="distinct batch sizes of the warm-up")
    ap.add_argument("--provider", default="NumbaExecutionProvider")
    ap.add_argument("--no-ort", action="store_true", help="skip the onnxruntime baseline")
    args = ap.parse_args()
    sizes = list(np.random.default_rng(0).permutation(np.arange(1, args.sizes + args.warm + 1)))
    sizes = [int(n) for n in sizes]
    model = mlp()
    blob = model.SerializeToString()
    rows = []

    import onnxjit  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sess = onnxjit.InferenceSession(blob, providers=[args.provider])
    before, after = measure(lambda x: sess.run(None, {"x": x}), sizes, args.warm, 64)
    table = len(getattr(sess.executable, "_bindings", ()))
    rows.append((f"onnxjit {args.provider}", before, after, f"bindings kept: {table}"))
    if not args.no_ort:
        try:
            import onnxruntime as ort  # noqa: PLC0415
        except ImportError:
            ort = None
        if ort is not None:
            ref = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
            before, after = measure(lambda x: ref.run(None, {"x": x}), sizes, args.warm, 64)
            rows.append(("onnxruntime CPUExecutionProvider", before, after, ""))
    print(f"{args.warm} warm-up batch sizes, then {args.sizes} more distinct batch sizes (1..{len(sizes)}), MLP 64-128-16")
    for name, before, after, note in rows:
        print(f"{name:40s} RSS after warm-up {before:8.1f} MB  after {args.sizes} sizes {after:8.1f} MB  "
              f"ratio {after / before:.3f}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
