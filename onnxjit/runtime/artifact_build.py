"""Building an ahead-of-time artifact (artifact.py): `onnxjit compile MODEL -o DIR`.

The model is copied into the folder first and compiled from there, so that everything keyed by the
model's bytes (the Numba plan entry) is what a session opening the folder computes. Then the provider
compiles into the folder (it is the cache root) and the manifest is written. Compiling into a folder
that already holds a build of the same model for the same provider, versions and machine adds to it:
shape buckets accumulate and only what is missing compiles.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Callable

import numpy as np

from onnxjit.runtime import artifact

Progress = Callable[[int, int, str], None]


class BuildError(Exception):
    """What stops a build, in one line (the CLI prints it)."""


def parse_buckets(items: list[str]) -> list[dict[str, tuple[int, ...]]]:
    """`--shape` values -> shape buckets. Each item is NAME=D0,D1,... (several may share one item,
    separated by ';'); naming an input that the current bucket already has starts a new bucket, and
    a new bucket keeps the previous one's shapes for the inputs it does not name."""
    buckets: list[dict[str, tuple[int, ...]]] = []
    current: dict[str, tuple[int, ...]] = {}
    given: set[str] = set()
    for item in items:
        for part in filter(None, (p.strip() for p in item.split(";"))):
            name, sep, dims = part.rpartition("=")
            if not sep or not name.strip():
                raise BuildError(f"--shape expects NAME=D0,D1,... (e.g. x=1,3,224,224); got {part!r}")
            try:
                shape = tuple(int(d) for d in dims.split(",") if d.strip())
            except ValueError:
                raise BuildError(f"--shape {part!r}: dims must be integers") from None
            if any(d < 0 for d in shape):
                raise BuildError(f"--shape {part!r}: dims must not be negative")
            name = name.strip()
            if name in given:
                buckets.append(current)
                current, given = dict(current), set()
            current[name] = shape
            given.add(name)
    if current or not buckets:
        buckets.append(current)
    return buckets


def check_buckets(sess: Any, buckets: list[dict[str, tuple[int, ...]]]) -> None:
    """Each bucket names inputs of the model, with their rank and their fixed dims."""
    inputs = {a.name: a for a in sess.get_inputs()}
    for b in buckets:
        for name, shape in b.items():
            arg = inputs.get(name)
            if arg is None:
                raise BuildError(f"--shape names {name!r}, not an input of the model; inputs: {sorted(inputs)}")
            if arg.shape and len(arg.shape) != len(shape):
                raise BuildError(f"--shape {name}={','.join(map(str, shape))}: the model's input {name} has "
                                 f"rank {len(arg.shape)} ({arg.shape})")
            for i, (d, want) in enumerate(zip(shape, arg.shape or ())):
                if isinstance(want, int) and d != want:
                    raise BuildError(f"--shape {name}={','.join(map(str, shape))}: dim {i} of input {name} "
                                     f"is fixed at {want}")


def prepare_folder(model: str, folder: Path) -> Path:
    """The resolved artifact folder (a usable cache root) with the model copied in as model.onnx: the
    same bytes when the model holds its data, else with its external data made internal."""
    from onnxjit.compiler import loader
    from onnxjit.errors import OnnxJitError
    from onnxjit.providers import cache

    if not os.path.isfile(model):
        raise BuildError(f"no such model file: {model!r}")
    try:
        proto, _ = loader.load_model_proto(model)
    except OnnxJitError as exc:
        raise BuildError(f"{model!r} is not a readable ONNX model: {exc.detail}") from None
    root, reason = cache.usable_root(folder)
    if root is None:
        raise BuildError(f"cannot use {str(folder)!r} as the artifact folder: {reason}")
    target = root / artifact.MODEL
    with cache.private_umask():
        if os.path.exists(target) and os.path.samefile(model, target):
            pass
        elif any(True for _ in _external(model)):
            try:
                data = proto.SerializeToString()
            except ValueError as exc:
                raise BuildError(f"{model!r} is over 2 GB with its external data; not supported yet: {exc}") from None
            with cache.atomic_file(target, "wb") as f:
                f.write(data)
        else:
            with cache.atomic_file(target, "wb") as f, open(model, "rb") as src:
                shutil.copyfileobj(src, f)
    return root


def _external(model: str):
    """The tensors of `model` whose data lies in other files."""
    import onnx
    from onnx.external_data_helper import _get_all_tensors, uses_external_data

    proto = onnx.load(model, load_external_data=False)
    return (t for t in _get_all_tensors(proto) if uses_external_data(t))


def _merged_build(old: dict | None, new: dict) -> dict:
    """`new`, with the buckets and variants of `old` when `old` was built by the same versions for the
    same machine (the folder still holds what it compiled)."""
    if not old or old.get("versions") != new["versions"] or old.get("machine") != new["machine"]:
        return new
    shapes = [s for s in old.get("shapes") or [] if isinstance(s, dict)]
    for s in new["shapes"]:
        if s not in shapes:
            shapes.append(s)
    index = {json_key(s): i for i, s in enumerate(shapes)}
    variants: dict[str, dict] = {}
    for build in (old, new):
        for v in build.get("variants") or []:
            if not isinstance(v, dict):
                continue
            key = v.get("hash") or v.get("function")
            if "buckets" in v:
                src = build.get("shapes") or []
                ids = {index[json_key(src[b])] for b in v["buckets"] if isinstance(b, int) and b < len(src)}
                ids |= set(variants.get(key, {}).get("buckets", []))
                v = {**v, "buckets": sorted(ids)}
            variants[key] = v
    files = {f["path"]: f for b in (old, new) for f in b.get("files") or [] if isinstance(f, dict) and "path" in f}
    return {**new, "shapes": shapes, "variants": list(variants.values()), "files": list(files.values()),
            "strict": new["strict"] or bool(old.get("strict"))}


def json_key(shapes: dict) -> str:
    return repr(sorted((k, list(v)) for k, v in shapes.items()))


def _write(root: Path, provider: str, build: dict) -> Path:
    manifest, problem = artifact.read_manifest(root)
    sha = artifact.sha256_file(root / artifact.MODEL)
    if problem or manifest is None or (manifest.get("model") or {}).get("sha256") != sha:
        manifest = {}
    builds = dict(manifest.get("builds") or {})
    builds[provider] = _merged_build(builds.get(provider), build)
    manifest = {"format": artifact.FORMAT, "model": {"file": artifact.MODEL, "sha256": sha},
                "builds": builds}
    artifact.write_manifest(root, manifest)
    return root / artifact.MANIFEST


def _shapes_json(feeds: list[dict[str, np.ndarray]]) -> list[dict[str, list[int]]]:
    return [{k: list(v.shape) for k, v in f.items()} for f in feeds]


GENERATED_PREFIXES = ("onnxjit_kernel_", "onnxjit_plan_")


def build_numba(model: str, folder: Path, shapes: list[dict[str, tuple[int, ...]]], strict: bool,
                progress: Progress | None = None) -> dict[str, Any]:
    """Compile `model` with the Numba provider into `folder`, run it once per bucket (which must
    compile nothing more), and write the manifest.

    A generated module is imported once per process, from the cache root of the first session that
    needed it, and Numba keeps its compiled functions beside that file. A process that has already
    run sessions (a notebook, a test, a server building artifacts) would therefore leave the shared
    kernels' compiled code outside the artifact: the build then runs in a fresh process."""
    import sys

    if any(name.startswith(GENERATED_PREFIXES) for name in sys.modules):
        return _build_numba_in_child(model, folder, shapes, strict)
    return _build_numba_here(model, folder, shapes, strict, progress)


def _build_numba_in_child(model: str, folder: Path, shapes: list[dict[str, tuple[int, ...]]],
                          strict: bool) -> dict[str, Any]:
    """build_numba in a new interpreter (its progress on our stderr); its stats as JSON on stdout."""
    import json
    import subprocess
    import sys

    request = json.dumps({"model": str(model), "folder": str(folder), "strict": bool(strict),
                          "shapes": [{k: list(v) for k, v in b.items()} for b in shapes]})
    code = ("import json, sys\n"
            "from pathlib import Path\n"
            "from onnxjit.cli import ProgressBar\n"
            "from onnxjit.runtime.artifact_build import BuildError, _build_numba_here\n"
            "r = json.loads(sys.stdin.read())\n"
            "try:\n"
            "    stats = _build_numba_here(r['model'], Path(r['folder']), [{k: tuple(v) for k, v in b.items()}\n"
            "                              for b in r['shapes']], r['strict'], ProgressBar('compile'))\n"
            "except BuildError as exc:\n"
            "    print(json.dumps({'error': str(exc)})); sys.exit(0)\n"
            "print(json.dumps(stats, default=str))\n")
    done = subprocess.run([sys.executable, "-c", code], input=request, stdout=subprocess.PIPE, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise BuildError(f"the build process failed (exit {done.returncode}); see its messages above")
    result = json.loads(lines[-1])
    if "error" in result and len(result) == 1:
        raise BuildError(result["error"])
    return result


def _build_numba_here(model: str, folder: Path, shapes: list[dict[str, tuple[int, ...]]], strict: bool,
                      progress: Progress | None = None) -> dict[str, Any]:
    """build_numba in this process (which must not have imported any generated module yet)."""
    import sys

    import onnxjit
    from onnxjit.providers.triton.aot import zero_feeds

    root = prepare_folder(model, folder)
    probe = onnxjit.InferenceSession(str(root / artifact.MODEL), providers=["ReferenceExecutionProvider"])
    check_buckets(probe, shapes)  # before compiling anything
    so = onnxjit.SessionOptions()
    so.add_session_config_entry("onnxjit.cache_dir", str(root))
    with artifact.in_tree_numba_cache():
        sess = onnxjit.InferenceSession(str(root / artifact.MODEL), so, providers=[
            ("NumbaExecutionProvider", {"progress": progress} if progress else {}), "ReferenceExecutionProvider"])
    if sess.get_providers()[0] != "NumbaExecutionProvider":
        raise BuildError(f"the Numba provider is not available here (the session runs {sess.get_providers()[0]})")
    stats = dict(sess.compile_stats())
    ex = sess.executable
    if Path(ex.root).resolve() != root:
        raise BuildError(f"the session compiled into {str(ex.root)!r}, not the artifact folder (see its warning)")
    feeds = [zero_feeds(sess, b) for b in shapes]
    checks = []
    for f in feeds:
        before = sess.compile_stats()["compiled"]
        sess.run(None, f)
        checks.append(sess.compile_stats()["compiled"] - before)
    modules = [Path(ex.path)] + [Path(sys.modules[n].__file__) for n in ex.module_info.kernel_modules]
    variants = []
    for name, sig in ex.module_info.kernel_table:
        module = getattr(ex.module, name).py_func.__module__
        variants.append({"function": name, "signature": list(sig),
                         "module": artifact.file_entry(root, Path(sys.modules[module].__file__))["path"]})
    variants += [{"function": d, "module": artifact.file_entry(root, Path(ex.path))["path"]}
                 for parts in ex.module_info.drivers for d in parts]
    build = {"provider": "NumbaExecutionProvider", "versions": artifact.versions("NumbaExecutionProvider"),
             "machine": {"cpu": _fingerprint()}, "other_versions": artifact.recorded_versions(),
             "shapes": _shapes_json(feeds), "strict": bool(strict),
             "variants": variants, "files": [artifact.file_entry(root, p) for p in modules]}
    manifest = _write(root, "NumbaExecutionProvider", build)
    return {**stats, "checks": list(zip(_shapes_json(feeds), checks)), "folder": str(root), "manifest": str(manifest)}


def _fingerprint() -> str:
    from onnxjit.providers import cache

    return cache.machine_fingerprint()


def build_triton(model: str, folder: Path, target: str, shapes: list[dict[str, tuple[int, ...]]], strict: bool,
                 progress: Progress | None = None) -> dict[str, Any]:
    """Compile `model`'s Triton kernels for GPU `target` at each bucket into `folder` (no GPU needed)
    and write the manifest; the result says how many kernel variants were new."""
    from onnxjit.providers.triton.aot import compile_model, parse_target

    try:
        gpu = parse_target(target)
    except ValueError as exc:
        raise BuildError(str(exc)) from None
    if os.environ.get("TRITON_INTERPRET", "0").strip().lower() in ("1", "true", "on", "yes"):
        raise BuildError("compiling for a GPU target needs TRITON_INTERPRET unset")
    root = prepare_folder(model, folder)
    import onnxjit

    probe = onnxjit.InferenceSession(str(root / artifact.MODEL), providers=["ReferenceExecutionProvider"])
    check_buckets(probe, shapes)
    target_name = f"cuda:{gpu.arch}"  # as a GPU session names its device's target (the plan module's key)
    stats = compile_model(str(root / artifact.MODEL), target_name, shapes, str(root), progress)
    if Path(stats["cache_root"]).resolve() != root:
        raise BuildError(f"Triton compiled into {stats['cache_root']!r}, not the artifact folder (see its warning)")
    build = {"provider": "TritonExecutionProvider", "versions": artifact.versions("TritonExecutionProvider"),
             "machine": {"gpu_target": target_name}, "other_versions": artifact.recorded_versions(),
             "shapes": stats["buckets"], "strict": bool(strict),
             "variants": stats["variants"], "files": [artifact.file_entry(root, Path(stats["module"]))]}
    manifest = _write(root, "TritonExecutionProvider", build)
    return {**stats, "target": target_name, "folder": str(root), "manifest": str(manifest)}
