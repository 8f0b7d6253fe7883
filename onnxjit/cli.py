"""Command line: `onnxjit demo | explain | compile`."""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

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
    if not os.path.isfile(path):
        root = os.path.dirname(path)
        names = sorted(f[len("light_"):-len(".onnx")] for f in os.listdir(root) if f.endswith(".onnx"))
        raise CliError(f"no light model named {args.model!r}; known: {', '.join(names)}")
    # the compiled CPU provider shows its compile progress (stderr)
    providers = [(p, {"progress": ProgressBar("compile")}) if p == "NumbaExecutionProvider" else p
                 for p in onnxjit.get_available_providers()]
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


class CliError(Exception):
    """A mistake on the command line: main() prints its message as one line and exits with 2."""


def _check_model_file(path: str, folder_ok: bool = False) -> None:
    """A clear line for a path that is no model file (a session also opens an artifact folder)."""
    if not os.path.exists(path):
        raise CliError(f"no such file: {path}")
    if os.path.isdir(path) and not folder_ok:
        raise CliError(f"{path} is a directory, not an ONNX model file")


def _plan_source(plan, provider) -> str:
    """The source a session would generate for `plan` (--no-compile --code): rendered only, nothing
    written or compiled (it imports the code generator: Numba's, for its kernel-call helpers)."""
    from onnxjit.compiler.fusion.layout import build_layout
    from onnxjit.providers.base import ProviderName

    layout = build_layout(plan)
    if provider is ProviderName.TRITON:
        from onnxjit.compiler.codegen.triton_gen import render_triton

        return render_triton(plan, layout).source
    from onnxjit.compiler.codegen.numba_gen import render_numba

    info = render_numba(plan, layout)
    return info.source + "".join(f"\n# ---- module {n} ----\n{src}" for n, src in info.kernel_modules.items())


def cmd_explain(args: argparse.Namespace) -> int:
    """Print the kernel plan of a model: --no-compile plans only (onnxjit.plan: no code is generated
    or compiled); otherwise a session compiles it (progress on stderr) and its plan is printed.
    --json prints the plan as JSON, --dot as Graphviz text, --why adds the "why not fused" log, --code
    the generated source."""
    _check_model_file(args.model, folder_ok=not args.no_compile)
    from onnxjit.runtime.planning import provider_named

    provider = provider_named(args.provider)  # an unknown name is an error, not a silent fallback
    if args.no_compile:
        import onnxjit

        plan = onnxjit.plan(args.model, provider=provider.value)
        print(plan.to_json() if args.json else plan.to_dot() if args.dot else plan.describe(why=args.why))
        if args.code:
            print(_plan_source(plan, provider))
        return 0
    import onnxjit

    options = {"progress": ProgressBar("compile")} if provider.value == "NumbaExecutionProvider" else {}
    sess = onnxjit.InferenceSession(args.model, providers=[(provider.value, options), "ReferenceExecutionProvider"])
    ex = sess.executable
    plan = getattr(ex, "plan", None)
    if plan is None:
        print(f"{sess.get_providers()[0]} interprets the graph node by node; no kernel plan")
        return 0
    if args.json or args.dot:
        print(plan.to_json() if args.json else plan.to_dot())
    else:
        text = ex.describe() if hasattr(ex, "describe") else plan.describe()
        print(text + ("\n" + plan.why_not_fused() if args.why else ""))
    if args.code:
        print(ex.source)
    return 0


def _parse_shapes(items: list[str]) -> list[dict[str, tuple[int, ...]]]:
    """--shape values -> shape buckets (artifact_build.parse_buckets: naming an input again starts a
    new bucket), or a one-line exit."""
    from onnxjit.runtime.artifact_build import BuildError, parse_buckets

    try:
        return parse_buckets(items)
    except BuildError as exc:
        raise SystemExit(f"onnxjit compile: {exc}") from None


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
NUMBA_NAMES = {"numba", "numbaexecutionprovider", "cpuexecutionprovider", "cpu"}


def _shapes_text(shapes: dict[str, list[int]]) -> str:
    return " ".join(f"{k}={','.join(map(str, v))}" for k, v in shapes.items()) or "(no inputs)"


def cmd_compile_triton(args: argparse.Namespace, buckets: list[dict[str, tuple[int, ...]]]) -> int:
    """Triton kernels for a GPU architecture (--target cuda:90), compiled here without a GPU, into the
    artifact folder; says how many kernel variants were new."""
    from onnxjit.runtime.artifact_build import build_triton

    t0 = time.perf_counter()
    stats = build_triton(args.model, Path(args.output), args.target, buckets, args.strict, ProgressBar("compile"))
    print(f"model:      {args.model}")
    print("provider:   TritonExecutionProvider")
    print(f"target:     {stats['target']}")
    print(f"kernels:    {stats['plan_kernels']} in the plan, {stats['host_steps']} host steps")
    for i, b in enumerate(stats["buckets"]):
        used = sum(1 for v in stats["variants"] if i in v["buckets"])
        print(f"bucket {i}:   {_shapes_text(b)}: {used} kernel variants")
    print(f"variants:   {stats['kernels']} ({stats['launches']} launches): {stats['new']} new, "
          f"{stats['kernels'] - stats['new']} already in the folder; compiled {stats['cubins']} cubins "
          f"in {stats['seconds']:.2f} s")
    print(f"artifact:   {stats['folder']} (manifest: {os.path.basename(stats['manifest'])})")
    print(f"total:      {time.perf_counter() - t0:.2f} s")
    return 0


def cmd_compile_numba(args: argparse.Namespace, buckets: list[dict[str, tuple[int, ...]]]) -> int:
    """The Numba provider's code for this CPU, into the artifact folder, and a check run per bucket."""
    from onnxjit.runtime.artifact_build import build_numba

    t0 = time.perf_counter()
    stats = build_numba(args.model, Path(args.output), buckets, args.strict, ProgressBar("compile"))
    print(f"model:      {args.model}")
    print(f"provider:   {stats['provider']}")
    print(f"kernels:    {stats['kernels']} in the plan, {stats['functions']} generated functions")
    print(f"compiled:   {stats['compiled']} functions in {stats['compile_seconds']:.2f} s"
          + (" (everything came from the cache)" if stats["from_cache"] else ""))
    for shapes, extra in stats["checks"]:
        print(f"check run:  {_shapes_text(shapes)}: {extra} functions compiled")
    print(f"artifact:   {stats['folder']} (manifest: {os.path.basename(stats['manifest'])})")
    print(f"total:      {time.perf_counter() - t0:.2f} s")
    return 0


def cmd_compile(args: argparse.Namespace) -> int:
    """Compile a model ahead of time into a self-contained, relocatable artifact folder (-o): the
    compiled code, model.onnx and manifest.json (runtime/artifact.py); InferenceSession(folder) then
    compiles nothing. Every error is one line."""
    from onnxjit.errors import OnnxJitError
    from onnxjit.runtime.artifact_build import BuildError

    buckets = _parse_shapes(args.shape)
    provider = args.provider.strip().lower()
    if provider not in TRITON_NAMES | NUMBA_NAMES:
        raise SystemExit(f"onnxjit compile: unknown provider {args.provider!r}: use numba (CPU) or triton (GPU)")
    triton = provider in TRITON_NAMES
    if triton and not args.target:
        raise SystemExit("onnxjit compile: --provider triton compiles for a GPU architecture: give --target, e.g. cuda:90")
    if args.target and not triton:
        raise SystemExit("onnxjit compile: --target is a GPU architecture, for --provider triton")
    try:
        return cmd_compile_triton(args, buckets) if triton else cmd_compile_numba(args, buckets)
    except BuildError as exc:
        raise SystemExit(f"onnxjit compile: {exc}") from None
    except OnnxJitError as exc:
        raise SystemExit(f"onnxjit compile: {args.model}: {str(exc.detail).splitlines()[0][:500]}") from None
    except ImportError as exc:
        raise SystemExit(f"onnxjit compile: {exc.name or exc} is not installed (needed by this provider)") from None
    except Exception as exc:  # noqa: BLE001 - a compiler's failure, in one line
        first = (str(exc).strip().splitlines() or [""])[0][:500]
        raise SystemExit(f"onnxjit compile: {args.model}: {type(exc).__name__}: {first}") from None


def _error_line(exc: BaseException, args: argparse.Namespace) -> str:
    """One line that says what went wrong, without a traceback."""
    from onnxjit.errors import InvalidProtobuf, NoSuchFile, OnnxJitError

    model = getattr(args, "model", None)
    if isinstance(exc, InvalidProtobuf):
        return f"{model}: not an ONNX model ({exc.detail})"
    if isinstance(exc, NoSuchFile):
        return f"no such file: {model}" if model and not os.path.exists(model) else exc.detail
    if isinstance(exc, OnnxJitError):
        return f"{type(exc).__name__}: {exc.detail}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    if isinstance(exc, (CliError, ValueError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def main(argv: list[str] | None = None) -> int:
    """The command line. Errors print one line, `onnxjit <cmd>: error: <message>`, and exit with 2
    (--traceback, or ONNXJIT_TRACEBACK=1, shows the traceback instead). Importing this module and
    --help import neither onnx nor numba (onnxjit/__init__.py imports its heavy names lazily)."""
    ap = argparse.ArgumentParser(prog="onnxjit")
    ap.add_argument("--traceback", action="store_true", help="show the traceback of an error (or ONNXJIT_TRACEBACK=1)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("demo", help="run the embedded default model and check its output")
    d.add_argument("--model", default="resnet50", help="a light model shipped with onnx (default resnet50)")
    d.add_argument("--repeat", type=int, default=10)
    d.set_defaults(fn=cmd_demo)
    e = sub.add_parser("explain", help="print the fused kernel plan of a model",
                       description="Print the fused kernel plan of a model. Without --no-compile a session "
                                   "compiles it first (progress on stderr).")
    e.add_argument("model")
    e.add_argument("--provider", default="NumbaExecutionProvider",
                   help="NumbaExecutionProvider (default; also CPUExecutionProvider, numba) or "
                        "TritonExecutionProvider (also CUDAExecutionProvider, triton)")
    e.add_argument("--no-compile", action="store_true",
                   help="plan only (onnxjit.plan): no code is compiled or written to the cache")
    e.add_argument("--json", action="store_true", help="print the plan as JSON (steps, buffers, decisions)")
    e.add_argument("--dot", action="store_true", help="print the plan as Graphviz DOT text (dot -Tsvg)")
    e.add_argument("--why", action="store_true", help="also print the \"why not fused\" log")
    e.add_argument("--code", action="store_true", help="also print the generated source")
    e.set_defaults(fn=cmd_explain)
    c = sub.add_parser("compile", help="compile a model ahead of time into a relocatable artifact folder")
    c.add_argument("model")
    c.add_argument("-o", "--output", required=True,
                   help="artifact folder to write: compiled code, model.onnx, manifest.json")
    c.add_argument("--provider", default="NumbaExecutionProvider", help="numba (CPU, default) or triton (GPU)")
    c.add_argument("--shape", action="append", default=[], metavar="NAME=D0,D1,...",
                   help="input shape (repeatable): naming an input again starts another shape bucket; "
                        "symbolic dims not given are 1")
    c.add_argument("--target", help="GPU architecture for --provider triton, e.g. cuda:90 (no GPU needed)")
    c.add_argument("--strict", action="store_true",
                   help="sessions opening the artifact raise ModelRequiresCompilation instead of compiling")
    c.set_defaults(fn=cmd_compile)
    args = ap.parse_args(argv)
    try:
        return args.fn(args)
    except KeyboardInterrupt:
        print(f"onnxjit {args.cmd}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the command line's boundary: one line, no traceback
        if args.traceback or os.environ.get("ONNXJIT_TRACEBACK", "0") not in ("", "0"):
            raise
        message = " ".join(_error_line(exc, args).split())  # one line, whatever the message holds
        print(f"onnxjit {args.cmd}: error: {message[:2000]}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
