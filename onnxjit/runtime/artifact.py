"""Deployable ahead-of-time artifacts: a folder that `onnxjit compile MODEL -o DIR` fills and that
`InferenceSession(DIR)` (or `onnxjit.load_artifact(DIR)`) opens without the original model.

The folder is a cache root (providers/cache.py) holding the compiled code, plus `model.onnx` (the
model, its external data made internal) and `manifest.json`: the format, the model's sha256, and per
provider ("builds") the versions that built it, the machine it was built for (the CPU's name and
features for Numba, the GPU target for Triton), the input shapes compiled (buckets), the compiled
variants and the generated modules with their sha256. Every path in it is relative to the folder,
and nothing under the folder depends on where it lies (Triton's cache: relocatable_cache.py), so
the folder may be moved or copied.

Opening checks the manifest against this process (versions, CPU or GPU, model and module hashes). A
mismatch warns and the session compiles what it lacks, into the folder; in strict mode (session
config entry `onnxjit.aot_strict` = "1", or `onnxjit compile --strict`) it raises
ModelRequiresCompilation with the first reason instead, and so does anything that would still compile
(a Numba function missing from the cache, a Triton input shape outside the compiled buckets).

The manifest is authenticated with the folder's secret key (cache.secret_key, the key that already
vouches for the plan entries and bytecode there): an edited manifest is reported as such, never
believed. It only describes; what runs is verified as in any cache root (cache.py), whatever the
manifest says. The model is always `model.onnx`: no path from the manifest is opened.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import sys
import threading
import warnings
from pathlib import Path
from typing import Any, Iterator

FORMAT = "onnxjit-aot/1"
MANIFEST = "manifest.json"
MODEL = "model.onnx"
STRICT_KEY = "onnxjit.aot_strict"
_MAX_MANIFEST_BYTES = 64 << 20


class AotWarning(UserWarning):
    """An artifact does not match this process: the session compiles what it lacks."""


def is_artifact(path: Any) -> bool:
    return isinstance(path, (str, os.PathLike)) and os.path.isfile(os.path.join(path, MANIFEST))


# --- what built it ------------------------------------------------------------------------------
def versions(provider: str) -> dict[str, str]:
    """The versions a build's compiled code depends on, as the providers key their cache entries:
    Numba's functions on onnxjit, Python, numba, llvmlite and numpy; Triton's kernels on onnxjit and
    triton (whose own key covers its bundled ptxas), not on torch, which only holds memory."""
    from onnxjit import __version__

    out = {"onnxjit": __version__}
    if provider == "NumbaExecutionProvider":
        import llvmlite
        import numba
        import numpy as np

        out.update(python=sys.implementation.cache_tag, numba=numba.__version__, llvmlite=llvmlite.__version__,
                   numpy=np.__version__)
    elif provider == "TritonExecutionProvider":
        import triton

        out.update(triton=triton.__version__)
    return out


def recorded_versions() -> dict[str, str]:
    """Versions worth knowing about a build that do not decide whether it serves (not checked)."""
    import numpy as np

    out = {"python": sys.version.split()[0], "numpy": np.__version__}
    with contextlib.suppress(ImportError):
        import torch

        out["torch"] = torch.__version__
    return out


def current_gpu_target() -> str:
    """'cuda:90' on an H100, 'interpreter' under TRITON_INTERPRET=1, 'none' without either."""
    from onnxjit.providers.triton.device import cuda_available, interpret_mode

    if interpret_mode():
        return "interpreter"
    if cuda_available():
        import torch

        major, minor = torch.cuda.get_device_capability()
        return f"cuda:{major}{minor}"
    return "none"


def _cpu(fingerprint: str) -> str:
    return fingerprint.split("|", 1)[0]


# --- the manifest -------------------------------------------------------------------------------
def _canonical(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _mac(key: bytes, body: dict) -> str:
    return hmac.new(key, b"onnxjit-manifest\0" + _canonical(body), hashlib.sha256).hexdigest()


def write_manifest(folder: Path, manifest: dict) -> None:
    """Write `manifest` with its MAC (the folder's secret key), atomically."""
    from onnxjit.providers import cache

    body = {k: v for k, v in manifest.items() if k != "mac"}
    body["mac"] = _mac(cache.secret_key(folder), body)
    cache.atomic_write(folder / MANIFEST, json.dumps(body, indent=1, sort_keys=True) + "\n")


def read_manifest(folder: Path) -> tuple[dict | None, str]:
    """(manifest, "") when it reads and verifies; (what could be read or None, why not) otherwise."""
    from onnxjit.providers import cache

    try:
        with open(folder / MANIFEST, "rb") as f:
            data = json.loads(f.read(_MAX_MANIFEST_BYTES))
    except (OSError, ValueError) as exc:
        return None, f"{MANIFEST} cannot be read ({type(exc).__name__}: {exc})"
    if not isinstance(data, dict):
        return None, f"{MANIFEST} is not a JSON object"
    key = cache._read_key(folder / cache.KEY_FILE)
    if key is None:
        return data, f"its key {cache.KEY_FILE} is missing or not private (copy the folder keeping modes, cp -rp)"
    body = {k: v for k, v in data.items() if k != "mac"}
    if not isinstance(data.get("mac"), str) or not hmac.compare_digest(data["mac"], _mac(key, body)):
        return data, f"{MANIFEST} does not verify against the folder's key (edited or damaged)"
    if data.get("format") != FORMAT:
        return data, f"{MANIFEST} has format {data.get('format')!r}; this onnxjit reads {FORMAT!r}"
    return data, ""


def inside(folder: Path, rel: Any) -> Path | None:
    """`folder`/`rel` when `rel` is a relative path that stays inside `folder`; else None."""
    if not isinstance(rel, str) or not rel or "\0" in rel:
        return None
    p = Path(rel)
    if p.is_absolute() or ".." in p.parts:
        return None
    return folder / p


def sha256_file(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def file_entry(folder: Path, path: Path) -> dict:
    """A generated module as the manifest lists it: relative path, sha256, modification time (ns;
    Numba before 0.68 stamps its cache entries with their module's mtime and size)."""
    st = os.stat(path)
    return {"path": path.resolve().relative_to(folder.resolve()).as_posix(), "sha256": sha256_file(path),
            "mtime_ns": st.st_mtime_ns}


# --- checking a build against this process ---------------------------------------------------------
def mismatches(folder: Path, manifest: dict, build: dict, provider: str) -> list[str]:
    """Why the build would not serve this process as it is (empty: it will compile nothing)."""
    from onnxjit.providers import cache

    reasons = []
    model = manifest.get("model") or {}
    if sha256_file(folder / MODEL) != model.get("sha256"):
        reasons.append(f"{MODEL} is not the model that was compiled (its sha256 differs)")
    now = versions(provider)
    built = build.get("versions") or {}
    for name in sorted(set(now) | set(built)):
        if built.get(name) != now.get(name):
            reasons.append(f"built with {name} {built.get(name)}, this process has {now.get(name)}")
    machine = build.get("machine") or {}
    if provider == "NumbaExecutionProvider":
        here = cache.machine_fingerprint()
        if machine.get("cpu") != here:
            same = _cpu(str(machine.get("cpu"))) == _cpu(here)
            reasons.append(f"built for CPU {_cpu(str(machine.get('cpu')))!r}"
                           f"{' with other features' if same else ''}, this CPU is {_cpu(here)!r}")
    elif provider == "TritonExecutionProvider":
        here = current_gpu_target()
        if machine.get("gpu_target") != here:
            reasons.append(f"built for GPU target {machine.get('gpu_target')}, this process runs on {here}")
    for entry in build.get("files") or []:
        path = inside(folder, entry.get("path"))
        if path is None:
            reasons.append(f"{MANIFEST} names a file outside the folder: {entry.get('path')!r}")
        elif not path.is_file():
            reasons.append(f"{entry['path']} is missing")
        elif sha256_file(path) != entry.get("sha256"):
            reasons.append(f"{entry['path']} was changed since it was compiled")
    return reasons


def restore_mtimes(folder: Path, build: dict) -> None:
    """Give each generated module (unchanged, as its sha256 says) the modification time it had when
    compiled: a copy that did not keep times (`cp -r`) would otherwise look newer than the compiled
    functions to a Numba that stamps its entries with it. Best effort."""
    for entry in build.get("files") or []:
        path = inside(folder, entry.get("path"))
        mtime = entry.get("mtime_ns")
        if path is None or not isinstance(mtime, int):
            continue
        with contextlib.suppress(OSError):
            st = os.stat(path)
            if st.st_mtime_ns != mtime and sha256_file(path) == entry.get("sha256"):
                os.utime(path, ns=(st.st_atime_ns, mtime))


# --- strict mode ---------------------------------------------------------------------------------
def refuse(folder: Path, reason: str) -> Exception:
    from onnxjit.errors import ModelRequiresCompilation

    return ModelRequiresCompilation(f"onnxjit artifact {str(folder)!r}: {reason}; strict mode ({STRICT_KEY}) "
                                    "does not compile")


@contextlib.contextmanager
def numba_compiles_refused(folder: Path) -> Iterator[None]:
    """While the block runs on this thread, a function Numba would compile (rather than load from its
    cache) raises ModelRequiresCompilation instead (Numba's "numba:compile" event starts after a
    cache miss, before compiling)."""
    from numba.core import event

    me = threading.get_ident()

    class Refuse(event.Listener):
        def on_start(self, ev: Any) -> None:
            if threading.get_ident() == me:
                fn = getattr((ev.data or {}).get("dispatcher"), "py_func", None)
                name = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', '?')}"
                raise refuse(folder, f"Numba would compile {name}, which the folder's cache does not hold "
                                     "for this machine")

        def on_end(self, ev: Any) -> None:
            pass

    with event.install_listener("numba:compile", Refuse()):
        yield


@contextlib.contextmanager
def in_tree_numba_cache() -> Iterator[None]:
    """Numba keeps compiled functions beside their modules, in the artifact, even when NUMBA_CACHE_DIR
    names another folder (whose entries are keyed by the modules' absolute paths: not relocatable)."""
    if not os.environ.get("NUMBA_CACHE_DIR"):
        yield
        return
    from numba.core import config

    saved, config.CACHE_DIR = config.CACHE_DIR, ""
    try:
        yield
    finally:
        config.CACHE_DIR = saved


class BucketGuard:
    """Checks each run's input shapes against the buckets a Triton build compiled: a shape outside
    them would compile kernel variants on the GPU (strict: ModelRequiresCompilation; else a warning,
    once per shape)."""

    def __init__(self, folder: Path, buckets: list[dict], strict: bool):
        self.folder, self.strict = folder, strict
        self.names = sorted({n for b in buckets for n in b})
        self.known = {self._key(b) for b in buckets}
        self.warned: set[tuple] = set()

    def _key(self, shapes: dict) -> tuple:
        return tuple((n, tuple(int(d) for d in shapes[n])) for n in self.names if n in shapes)

    def __call__(self, feeds: dict[str, Any]) -> None:
        key = self._key({n: getattr(v, "shape", ()) for n, v in feeds.items() if n in self.names})
        if key in self.known or key in self.warned:
            return
        shapes = ", ".join(f"{n}={list(s)}" for n, s in key)
        if self.strict:
            raise refuse(self.folder, f"input shapes {shapes} are not among the {len(self.known)} shape "
                                      "buckets compiled for the GPU")
        self.warned.add(key)
        warnings.warn(f"onnxjit artifact {str(self.folder)!r}: input shapes {shapes} were not compiled ahead "
                      "of time; Triton compiles their kernel variants now", AotWarning, stacklevel=3)


# --- opening ---------------------------------------------------------------------------------------
def _requested(providers: Any) -> str | None:
    """The first provider asked for, by its onnxjit name (None: not named, or unknown)."""
    from onnxjit.providers.base import ALIASES, ProviderName

    if not providers:
        return None
    first = providers[0][0] if isinstance(providers[0], tuple) else providers[0]
    if not isinstance(first, str):
        return None
    named = ALIASES.get(first)
    if named is None:
        try:
            named = ProviderName(first)
        except ValueError:
            return None
    return named.value


def init_session(session: Any, folder_arg: Any, sess_options: Any, providers: Any, provider_options: Any,
                 kwargs: dict) -> None:
    """InferenceSession(folder): check the artifact, then build the session from its model with the
    folder as the cache root (see the module's docstring)."""
    from onnxjit.errors import NoSuchFile
    from onnxjit.providers.base import truthy
    from onnxjit.providers.triton.device import cuda_available
    from onnxjit.runtime.options import SessionOptions
    from onnxjit.runtime.session import InferenceSession

    folder = Path(os.path.realpath(folder_arg))
    if not (folder / MANIFEST).is_file():
        raise NoSuchFile(f"{str(folder_arg)!r} is a folder without {MANIFEST}: not an artifact of `onnxjit compile -o`")
    if not (folder / MODEL).is_file():
        raise NoSuchFile(f"onnxjit artifact {str(folder_arg)!r} has no {MODEL}")
    manifest, problem = read_manifest(folder)
    builds = (manifest or {}).get("builds") if not problem else None
    builds = builds if isinstance(builds, dict) else {}
    wanted = _requested(providers if providers is None else list(providers))
    if providers is None:
        if "TritonExecutionProvider" in builds and cuda_available():
            wanted, providers = "TritonExecutionProvider", ["TritonExecutionProvider", "ReferenceExecutionProvider"]
        elif "TritonExecutionProvider" in builds and "NumbaExecutionProvider" not in builds:
            wanted, providers = "TritonExecutionProvider", ["TritonExecutionProvider", "ReferenceExecutionProvider"]
        else:
            wanted = "NumbaExecutionProvider"
    build = builds.get(wanted) if wanted else None
    build = build if isinstance(build, dict) else None
    config = getattr(sess_options, "_config", {}) if sess_options is not None else {}
    strict = truthy(config[STRICT_KEY]) if STRICT_KEY in config else bool((build or {}).get("strict", False))
    compiling = wanted in ("NumbaExecutionProvider", "TritonExecutionProvider")
    reasons = [problem] if problem else []
    if build is None and compiling and not problem:
        reasons.append(f"it holds no {wanted} build (it has: {', '.join(sorted(builds)) or 'none'})")
    if build is not None:
        reasons += mismatches(folder, manifest, build, wanted)
    if reasons and (strict and compiling):
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        raise refuse(folder, reasons[0] + more)
    if reasons and compiling:
        warnings.warn(f"onnxjit artifact {str(folder)!r}: {reasons[0]}"
                      + (f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else "")
                      + "; compiling what it lacks", AotWarning, stacklevel=3)
    if build is not None and not problem:
        restore_mtimes(folder, build)
    so = (sess_options or SessionOptions())._copy()
    so.add_session_config_entry("onnxjit.cache_dir", str(folder))
    numba_strict = strict and wanted == "NumbaExecutionProvider"
    if numba_strict:
        so.add_session_config_entry("onnxjit.parallel_compile", "0")  # compiles here, where they are refused
    guard = numba_compiles_refused(folder) if numba_strict else contextlib.nullcontext()
    with guard, in_tree_numba_cache():
        InferenceSession.__init__(session, str(folder / MODEL), so, providers, provider_options, **kwargs)
    session._artifact = {"folder": str(folder), "provider": wanted, "strict": strict, "reasons": reasons}
    if build is not None and wanted == "TritonExecutionProvider" and not reasons \
            and session.get_providers()[0] == wanted:
        session._aot_guard = BucketGuard(folder, [b for b in build.get("shapes") or [] if isinstance(b, dict)],
                                         strict)


def load_artifact(folder: str | os.PathLike, sess_options: Any = None, providers: Any = None,
                  provider_options: Any = None, strict: bool | None = None, **kwargs: Any) -> Any:
    """The session `onnxjit compile MODEL -o folder` prepared, compiling nothing when the folder
    matches this machine (same as InferenceSession(folder); `strict` sets `onnxjit.aot_strict`)."""
    from onnxjit.errors import NoSuchFile
    from onnxjit.runtime.options import SessionOptions
    from onnxjit.runtime.session import InferenceSession

    if not is_artifact(folder):
        raise NoSuchFile(f"{str(folder)!r} is not an artifact of `onnxjit compile -o` (no {MANIFEST} in it)")
    if strict is not None:
        sess_options = (sess_options or SessionOptions())._copy()
        sess_options.add_session_config_entry(STRICT_KEY, "1" if strict else "0")
    return InferenceSession(folder, sess_options, providers, provider_options, **kwargs)
