"""Command line: `onnxjit demo | explain | compile`."""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np


def _light_model(name: str) -> tuple[str, str]:
    import onnx

    root = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
    return os.path.join(root, f"light_{name}.onnx"), os.path.join(root, f"light_{name}_output_0.pb")


def _light_feed(sess) -> dict[str, np.ndarray]:
    """onnx's backend runner input for light models: arange(n)/n per input."""
    feeds = {}
    for inp in sess.get_inputs():
        shape = tuple(d if isinstance(d, int) else 1 for d in inp.shape)
        n = int(np.prod(shape))
        feeds[inp.name] = (np.arange(n).reshape(shape) / n).astype(np.float32)
    return feeds


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: run the embedded default model (light_resnet50) and check it."""
    import onnx

    import onnxjit

    path, expected_path = _light_model(args.model)
    providers = onnxjit.get_available_providers()
    t0 = time.perf_counter()
    sess = onnxjit.InferenceSession(path, providers=providers)
    create_s = time.perf_counter() - t0
    feeds = _light_feed(sess)
    expected = onnx.numpy_helper.to_array(onnx.load_tensor(expected_path))
    (out,) = sess.run(None, feeds)
    ok = out.shape == expected.shape and np.allclose(out, expected, rtol=1e-3, atol=1e-5)
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        sess.run(None, feeds)
        times.append(time.perf_counter() - t)
    n_nodes = len(onnx.load(path).graph.node)
    print(f"model:            light_{args.model} ({n_nodes} nodes)")
    print(f"provider:         {sess.get_providers()[0]}")
    print(f"session create:   {create_s:.3f} s")
    print(f"median run:       {statistics.median(times) * 1e3:.2f} ms over {args.repeat} runs")
    print(f"check vs shipped expected output (rtol 1e-3, atol 1e-5): {'PASSED' if ok else 'FAILED'}"
          + ("" if ok else f" (max abs diff {float(np.max(np.abs(out - expected))):.3g})"))
    return 0 if ok else 1


def cmd_explain(args: argparse.Namespace) -> int:
    """Print the kernel plan (and with --code the generated source) of a model."""
    import onnxjit

    sess = onnxjit.InferenceSession(args.model, providers=[args.provider, "ReferenceExecutionProvider"])
    ex = sess.executable
    plan = getattr(ex, "plan", None)
    if plan is None:
        print(f"{sess.get_providers()[0]} interprets the graph node by node; no kernel plan")
        return 0
    print(ex.describe() if hasattr(ex, "describe") else plan.describe())
    if args.code:
        print(ex.source)
    return 0


def _parse_shapes(items: list[str]) -> dict[str, tuple[int, ...]]:
    shapes = {}
    for item in items:
        name, sep, dims = item.rpartition("=")
        if not sep or not name:
            raise SystemExit(f"--shape expects name=d0,d1,...; got {item!r}")
        try:
            shapes[name] = tuple(int(d) for d in dims.split(",") if d.strip())
        except ValueError:
            raise SystemExit(f"--shape {item!r}: dims must be integers") from None
    return shapes


class ProgressBar:
    """A one-line text progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, label: str, width: int = 30):
        self.label, self.width, self.tty = label, width, sys.stderr.isatty()

    def __call__(self, done: int, total: int, name: str) -> None:
        filled = self.width * done // max(total, 1)
        line = f"{self.label} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {name[:40]}"
        if self.tty:
            sys.stderr.write("\r" + line.ljust(100) + ("\n" if done == total else ""))
        elif done == total or done % max(total // 10, 1) == 0:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


TRITON_NAMES = {"triton", "tritonexecutionprovider", "cudaexecutionprovider", "cuda"}


def cmd_compile_triton(args: argparse.Namespace, shapes: dict[str, tuple[int, ...]]) -> int:
    """Triton kernels for a GPU architecture (--target cuda:90), compiled here without a GPU."""
    from onnxjit.providers.triton.aot import compile_model

    t0 = time.perf_counter()
    stats = compile_model(args.model, args.target, shapes, os.path.abspath(args.output) if args.output else None,
                          ProgressBar("compile"))
    print(f"model:      {args.model}")
    print("provider:   TritonExecutionProvider")
    print(f"target:     {stats['target']}")
    print(f"kernels:    {stats['plan_kernels']} in the plan, {stats['host_steps']} host steps; "
          f"{stats['launches']} launches at {stats['feeds']}")
    print(f"compiled:   {stats['kernels']} kernel variants ({stats['cubins']} cubins) in {stats['seconds']:.2f} s")
    print(f"cache:      {stats['triton_cache']}")
    print(f"total:      {time.perf_counter() - t0:.2f} s")
    return 0


def cmd_compile(args: argparse.Namespace) -> int:
    """Fill the compile cache ahead of time, so that a later process compiles nothing."""
    import onnxjit

    shapes = _parse_shapes(args.shape)
    from onnxjit.providers import cache  # noqa: PLC0415

    folder = cache.requested_root(os.path.abspath(args.output) if args.output else None)
    if cache.usable_root(folder)[0] is None:  # a session would compile into a private folder, in vain
        raise SystemExit(f"onnxjit compile: cannot use {str(folder)!r} as the cache folder: "
                         f"{cache.usable_root(folder)[1]}")
    if args.provider.lower() in TRITON_NAMES or args.target:
        if not args.target:
            raise SystemExit("--provider triton compiles for a GPU architecture: give --target, e.g. cuda:90")
        return cmd_compile_triton(args, shapes)
    so = onnxjit.SessionOptions()
    if args.output:
        so.add_session_config_entry("onnxjit.cache_dir", os.path.abspath(args.output))
    t0 = time.perf_counter()
    sess = onnxjit.InferenceSession(args.model, so, providers=[(args.provider, {"progress": ProgressBar("compile")}),
                                                                "ReferenceExecutionProvider"])
    stats = sess.compile_stats()
    known = {i.name for i in sess.get_inputs()}
    unknown = sorted(set(shapes) - known)
    if unknown:
        raise SystemExit(f"--shape names {unknown} are not inputs of the model; inputs: {sorted(known)}")
    feeds = {}
    for inp in sess.get_inputs():
        shape = shapes.get(inp.name) or tuple(d if isinstance(d, int) else 1 for d in inp.shape)
        dtype = np.dtype({"tensor(float)": "float32", "tensor(double)": "float64", "tensor(int64)": "int64",
                          "tensor(int32)": "int32", "tensor(bool)": "bool"}.get(inp.type, "float32"))
        feeds[inp.name] = np.zeros(shape, dtype=dtype)
    sess.run(None, feeds)  # a check run at the given shapes; it must not compile anything new
    extra = sess.compile_stats()["compiled"] - stats["compiled"]
    print(f"model:      {args.model}")
    print(f"provider:   {stats['provider']}")
    print(f"kernels:    {stats['kernels']} in the plan, {stats['functions']} generated functions")
    print(f"compiled:   {stats['compiled']} functions in {stats['compile_seconds']:.2f} s"
          + (" (everything came from the cache)" if stats["from_cache"] else ""))
    print(f"check run:  {', '.join(f'{k}={list(v.shape)}' for k, v in feeds.items())}: {extra} functions compiled")
    print(f"cache:      {stats.get('cache_folder', '-')}")
    print(f"total:      {time.perf_counter() - t0:.2f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="onnxjit")
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("demo", help="run the embedded default model and check its output")
    d.add_argument("--model", default="resnet50")
    d.add_argument("--repeat", type=int, default=10)
    d.set_defaults(fn=cmd_demo)
    e = sub.add_parser("explain", help="print the fused kernel plan of a model")
    e.add_argument("model")
    e.add_argument("--provider", default="NumbaExecutionProvider")
    e.add_argument("--code", action="store_true", help="also print the generated source")
    e.set_defaults(fn=cmd_explain)
    c = sub.add_parser("compile", help="compile a model into the cache ahead of time")
    c.add_argument("model")
    c.add_argument("-o", "--output", help="cache folder to fill (default: ONNXJIT_CACHE_DIR or ~/.cache/onnxjit)")
    c.add_argument("--provider", default="NumbaExecutionProvider")
    c.add_argument("--shape", action="append", default=[], metavar="NAME=D0,D1,...",
                   help="input shape for the check run (repeatable; symbolic dims default to 1)")
    c.add_argument("--target", help="GPU architecture for --provider triton, e.g. cuda:90 (no GPU needed)")
    c.set_defaults(fn=cmd_compile)
    args = ap.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
