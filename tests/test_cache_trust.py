"""The compile cache as a trust boundary (issue 14): nothing planted in or edited under a cache folder
runs, a folder others could have written to is not read at all, damaged bytecode is rebuilt, and a
folder that cannot be used (a file, under a file, read-only) means a warning and a private folder,
never an OSError. Each session that reads a filled cache runs in a new process (a module imported once
stays in sys.modules); a planted payload would create a marker file, which must never appear."""
from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")

import onnxjit  # noqa: E402
from onnxjit.providers import cache, plan_cache  # noqa: E402
from onnxjit.providers.plan_support import BYTECODE_MAGIC, _load_bytecode, bytecode_path  # noqa: E402
from tests.test_plan_cache import X, _model  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OTHER_UID = 54321  # a user that is not this one (root can hand files to it)

# A new process: a Numba session on the small model of test_plan_cache with the cache at argv[2], one
# run, and what happened as JSON (warnings included).
OPEN = """
import json, sys, warnings
import numpy as np
import onnxjit
from tests.test_plan_cache import X
so = onnxjit.SessionOptions()
so.add_session_config_entry("onnxjit.cache_dir", sys.argv[2])
so.add_session_config_entry("onnxjit.parallel_compile", "0")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    sess = onnxjit.InferenceSession(open(sys.argv[1], "rb").read(), so, providers=["NumbaExecutionProvider"])
    y, c = sess.run(None, {"x": X})
stats = sess.compile_stats()
print(json.dumps({"compiled": stats["compiled"], "from_cache": stats["from_cache"],
                  "plan_from_cache": stats["plan_from_cache"], "folder": stats["cache_folder"],
                  "y": y.ravel().tolist(), "warnings": [str(w.message) for w in caught
                                                        if issubclass(w.category, UserWarning)]}))
"""


def _open(model: Path, cache_dir: Path, umask: int = -1, **extra_env: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra_env}
    out = subprocess.run([sys.executable, "-c", OPEN, str(model), str(cache_dir)], env=env, capture_output=True,
                         text=True, timeout=600, umask=umask)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> tuple[Path, Path, dict]:
    """(the model file, a cache folder one process filled, what that process saw)."""
    base = tmp_path_factory.mktemp("trust")
    model = base / "model.onnx"
    model.write_bytes(_model())
    first = _open(model, base / "cache")
    assert first["compiled"] > 0 and not first["warnings"]
    return model, base / "cache", first


@pytest.fixture
def warm(filled, tmp_path: Path) -> tuple[Path, Path, dict]:
    """A copy of the filled cache for one test to tamper with (same modes: 0700 folders, 0600 files)."""
    model, template, first = filled
    copy = tmp_path / "cache"
    shutil.copytree(template, copy, symlinks=True)
    again = _open(model, copy)  # the copy works as the original did (bytecode is keyed by its path)
    assert again["compiled"] == 0 and again["plan_from_cache"] and not again["warnings"]
    return model, copy, first


class _Payload:
    """Unpickled, or run as a module, it would create the marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


def _y(result: dict) -> np.ndarray:
    return np.array(result["y"])


# --- plan entries -------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["no-mac", "old-format", "other-key"])
def test_a_planted_plan_pickle_never_runs(warm, tmp_path: Path, how: str) -> None:
    model, root, first = warm
    marker = tmp_path / "marker"
    [entry] = root.glob("numba/plans/*.plan")
    blob = pickle.dumps(_Payload(marker))
    if how == "other-key":  # well formed, authenticated with a key that is not this cache's
        plan_cache.save(entry, _Payload(marker), {}, {}, key=os.urandom(32))
    else:
        import hashlib

        magic = plan_cache.MAGIC if how == "no-mac" else b"onnxjit-plan-v1\n"
        header = json.dumps({"pickle": [plan_cache.ALIGN, len(blob), hashlib.sha256(blob).hexdigest()],
                             "arenas": {}}).encode()
        head = magic + len(header).to_bytes(8, "little") + header
        entry.write_bytes(head + b"\0" * (plan_cache.ALIGN - len(head)) + blob)
    assert plan_cache.load(entry, os.urandom(32)) is None and not marker.exists()
    again = _open(model, root)
    assert not marker.exists(), "a plan entry that does not verify was unpickled"
    assert not again["plan_from_cache"]
    np.testing.assert_array_equal(_y(again), _y(first))
    assert _open(model, root)["plan_from_cache"], "the entry is written again, and used"


def test_a_plan_entry_owned_by_someone_else_is_not_read(warm) -> None:
    model, root, first = warm
    [entry] = root.glob("numba/plans/*.plan")
    os.chown(entry, OTHER_UID, -1)
    assert plan_cache.load(entry, cache.secret_key(root)) is None
    again = _open(model, root)
    assert not again["plan_from_cache"] and again["compiled"] == 0
    np.testing.assert_array_equal(_y(again), _y(first))


def test_a_replaced_key_file_is_not_used(warm) -> None:
    """A key file that is not the user's alone (here: readable by others, then owned by another user)
    is replaced; what the old key authenticated is rebuilt."""
    model, root, first = warm
    key = root / cache.KEY_FILE
    os.chmod(key, 0o644)
    again = _open(model, root)
    assert not again["plan_from_cache"]
    assert (key.stat().st_mode & 0o777) == 0o600
    os.chown(key, OTHER_UID, -1)
    again = _open(model, root)
    assert not again["plan_from_cache"] and key.stat().st_uid == os.getuid()
    np.testing.assert_array_equal(_y(again), _y(first))
    assert _open(model, root)["plan_from_cache"]


# --- generated modules and their bytecode ---------------------------------------------------------
@pytest.mark.parametrize("where", ["plan", "kernel"])
@pytest.mark.parametrize("how", ["prepended", "same-size"])
def test_an_edited_generated_module_never_runs(warm, tmp_path: Path, where: str, how: str) -> None:
    model, root, first = warm
    marker = tmp_path / "marker"
    files = sorted(root.glob("numba/*/plan_*.py")) if where == "plan" else sorted(root.glob("numba/kernels/*/*.py"))
    assert files
    code = f"open({str(marker)!r}, 'w').write('ran')\n"
    for f in files:
        text = f.read_text()
        if how == "prepended":
            f.write_text(code + text)
        else:  # the same size: the payload replaces the module's first lines
            assert len(text) > len(code)
            f.write_text(code + text[len(code):])
            assert f.stat().st_size == len(text.encode())
    again = _open(model, root)
    assert not marker.exists(), "an edited module was run"
    np.testing.assert_array_equal(_y(again), _y(first))
    assert all(code not in f.read_text() for f in files), "the module's file is written again"
    assert _open(model, root)["compiled"] == 0


@pytest.mark.parametrize("how", ["same-size-corrupt", "planted-code"])
def test_damaged_or_planted_bytecode_is_rebuilt_not_run(warm, tmp_path: Path, how: str) -> None:
    model, root, first = warm
    marker = tmp_path / "marker"
    modules = sorted(root.glob("numba/*/plan_*.py")) + sorted(root.glob("numba/kernels/*/*.py"))
    pycs = [bytecode_path(m) for m in modules]
    assert pycs and all(p.exists() for p in pycs), "a warm start reads the modules' bytecode from the cache"
    before = {p: p.read_bytes() for p in pycs}
    import marshal

    for module, pyc in zip(modules, pycs):
        data = before[pyc]
        if how == "same-size-corrupt":
            mid = len(data) // 2
            pyc.write_bytes(data[:mid] + bytes(b ^ 0x5A for b in data[mid:mid + 64]) + data[mid + 64:])
            assert pyc.stat().st_size == len(data)
        else:  # bytecode that would run the payload, at our name and at Python's own
            evil = marshal.dumps(compile(f"open({str(marker)!r}, 'w').write('ran')", str(module), "exec"))
            pyc.write_bytes(BYTECODE_MAGIC + data[len(BYTECODE_MAGIC):len(BYTECODE_MAGIC) + 32] + evil)
            import importlib.util
            import py_compile

            std = Path(importlib.util.cache_from_source(str(module)))
            src = tmp_path / module.name
            src.write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
            py_compile.compile(str(src), cfile=str(std), doraise=True)
    again = _open(model, root)
    assert not marker.exists(), "planted bytecode was run"
    assert again["compiled"] == 0, "the modules' source compiles again, Numba's functions still load"
    np.testing.assert_array_equal(_y(again), _y(first))
    key = cache.secret_key(root)
    assert all(_load_bytecode(m, m.read_text(), key) is not None for m in modules), "the bytecode is written again"


# --- whose folder -------------------------------------------------------------------------------
def _plant_everywhere(root: Path, marker: Path) -> None:
    """Payloads in every place a session would read code from."""
    code = f"open({str(marker)!r}, 'w').write('ran')\n"
    for f in list(root.glob("numba/*/plan_*.py")) + list(root.glob("numba/kernels/*/*.py")):
        f.write_text(code + f.read_text())
    for f in root.glob("numba/**/__pycache__/*.nb[ic]"):
        f.write_bytes(pickle.dumps(_Payload(marker)))
    for f in root.glob("numba/plans/*.plan"):
        f.write_bytes(pickle.dumps(_Payload(marker)))


@pytest.mark.parametrize("how", ["other-owner", "0777", "0770", "parent-0777"])
def test_a_cache_root_others_could_write_is_not_read(warm, tmp_path: Path, how: str) -> None:
    model, root, first = warm
    marker = tmp_path / "marker"
    _plant_everywhere(root, marker)
    if how == "other-owner":
        os.chown(root, OTHER_UID, -1)
    elif how == "parent-0777":
        os.chmod(root.parent, 0o777)
    else:
        os.chmod(root, int(how, 8))
    try:
        again = _open(model, root)
    finally:
        os.chmod(root.parent, 0o700)
    assert not marker.exists(), "something was read from an untrusted cache"
    assert any(str(root) in w and "not using the cache folder" in w for w in again["warnings"]), again["warnings"]
    assert not again["folder"].startswith(str(root)) and again["compiled"] > 0
    np.testing.assert_array_equal(_y(again), _y(first))


@pytest.mark.parametrize("how", ["folder-other-owner", "folder-0777", "file-0666", "file-other-owner"])
def test_numba_entries_others_could_write_are_dropped(warm, tmp_path: Path, how: str) -> None:
    """Numba unpickles its index and data files: in a folder (or a file) of the root that is not the
    user's alone they are dropped and compiled again, never read."""
    model, root, first = warm
    marker = tmp_path / "marker"
    folders = sorted(root.glob("numba/**/__pycache__"))
    assert folders
    for folder in folders:
        index = sorted(folder.glob("*.nbi"))
        for f in index:
            f.write_bytes(pickle.dumps(_Payload(marker)))
        target = folder if how.startswith("folder") else index[0]
        if how.endswith("other-owner"):
            os.chown(target, OTHER_UID, -1)
        else:
            os.chmod(target, 0o777 if how.startswith("folder") else 0o666)
    again = _open(model, root)
    assert not marker.exists(), "Numba read an index file others could have written"
    assert again["compiled"] > 0
    np.testing.assert_array_equal(_y(again), _y(first))
    assert _open(model, root)["compiled"] == 0, "the rebuilt entries are used afterwards"


def test_a_numba_cache_dir_others_could_write_is_not_read(filled, tmp_path: Path) -> None:
    """With NUMBA_CACHE_DIR set, Numba keeps compiled functions there, outside onnxjit's root: when
    others could write to it, it is not read (the functions compile in memory, with a warning)."""
    model, _, first = filled
    numba_dir = tmp_path / "numba_cache"
    numba_dir.mkdir(mode=0o700)
    once = _open(model, tmp_path / "cache", NUMBA_CACHE_DIR=str(numba_dir))
    assert once["compiled"] > 0 and not once["warnings"]
    assert _open(model, tmp_path / "cache", NUMBA_CACHE_DIR=str(numba_dir))["compiled"] == 0
    marker = tmp_path / "marker"
    index = sorted(numba_dir.rglob("*.nbi"))
    assert index
    for f in index:
        f.write_bytes(pickle.dumps(_Payload(marker)))
    os.chmod(numba_dir, 0o777)
    again = _open(model, tmp_path / "cache", NUMBA_CACHE_DIR=str(numba_dir))
    assert not marker.exists(), "Numba read an index file others could have written"
    assert again["compiled"] > 0 and any("not reading Numba's cache folder" in w for w in again["warnings"])
    np.testing.assert_array_equal(_y(again), _y(first))


def test_a_group_writable_umask_still_gives_warm_starts(filled, tmp_path: Path) -> None:
    """Under umask 002 (common with per-user groups) Numba's entries would be group-writable, and so
    dropped by every later session: the cache is written under umask 077 instead."""
    model, _, first = filled
    root = tmp_path / "cache"
    cold = _open(model, root, umask=0o002)
    assert cold["compiled"] > 0
    written = [p for p in root.rglob("*")]
    assert written and all(p.stat().st_mode & 0o077 == 0 for p in written), \
        {str(p): oct(p.stat().st_mode & 0o777) for p in written if p.stat().st_mode & 0o077}
    warm = _open(model, root, umask=0o002)
    assert warm["compiled"] == 0 and warm["plan_from_cache"] and not warm["warnings"]
    np.testing.assert_array_equal(_y(warm), _y(first))


def test_new_folders_and_files_are_the_users_alone(tmp_path: Path) -> None:
    so = onnxjit.SessionOptions()
    so.add_session_config_entry("onnxjit.cache_dir", str(tmp_path / "a" / "b"))
    so.add_session_config_entry("onnxjit.parallel_compile", "0")
    onnxjit.InferenceSession(_model(), so, providers=["NumbaExecutionProvider"])
    mine = [tmp_path / "a"] + [p for p in (tmp_path / "a").rglob("*") if "__pycache__" not in p.parts]
    assert all(p.stat().st_uid == os.getuid() for p in mine)
    assert all((p.stat().st_mode & 0o777) == (0o700 if p.is_dir() else 0o600) for p in mine), \
        {str(p): oct(p.stat().st_mode & 0o777) for p in mine}


# --- unusable folders ---------------------------------------------------------------------------
def _session_warns(path: Path) -> tuple[onnxjit.InferenceSession, list[str]]:
    so = onnxjit.SessionOptions()
    so.add_session_config_entry("onnxjit.cache_dir", str(path))
    so.add_session_config_entry("onnxjit.parallel_compile", "0")
    cache._warned.discard(str(path))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sess = onnxjit.InferenceSession(_model(), so, providers=["NumbaExecutionProvider"])
    return sess, [str(w.message) for w in caught if issubclass(w.category, cache.CacheWarning)]


def _expected() -> list[np.ndarray]:
    return onnxjit.InferenceSession(_model(), providers=["ReferenceExecutionProvider"]).run(None, {"x": X})


@pytest.mark.parametrize("how", ["a-file", "under-a-file"])
def test_a_cache_path_that_is_no_folder_warns_and_compiles_privately(tmp_path: Path, how: str) -> None:
    (tmp_path / "file").write_text("not a folder")
    path = tmp_path / "file" if how == "a-file" else tmp_path / "file" / "cache"
    sess, caught = _session_warns(path)
    assert len(caught) == 1 and str(path) in caught[0], caught
    assert not sess.compile_stats()["cache_folder"].startswith(str(tmp_path))
    for a, b in zip(sess.run(None, {"x": X}), _expected()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert (tmp_path / "file").read_text() == "not a folder"


@pytest.mark.parametrize("how", ["read-only-mount", "immutable", "under-an-immutable-folder"])
def test_a_read_only_cache_folder_warns_and_compiles_privately(tmp_path: Path, how: str) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o700)
    root = folder / "cache" if how.startswith("under") else folder  # the one a session cannot create
    if how == "read-only-mount":
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,mode=0700", "tmpfs", str(folder)], capture_output=True)
        undo = ["umount", str(folder)]
    else:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
        undo = ["chattr", "-i", str(folder)]
    if done.returncode != 0:
        pytest.skip(f"cannot make a read-only folder here ({done.stderr.decode().strip()})")
    try:
        assert not os.access(folder, os.W_OK)
        sess, caught = _session_warns(root)
        why = "cannot be created" if how.startswith("under") else "not writable"
        assert len(caught) == 1 and why in caught[0] and str(root) in caught[0], caught
        for a, b in zip(sess.run(None, {"x": X}), _expected()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    finally:
        subprocess.run(undo, check=True)


def test_cache_root_checks(tmp_path: Path) -> None:
    ok = tmp_path / "ok"
    assert cache.usable_root(ok) == (ok.resolve(), "") and (ok.stat().st_mode & 0o777) == 0o700
    os.chmod(ok, 0o755)  # readable by others is fine, as for ~/.ssh
    assert cache.usable_root(ok)[0] == ok.resolve()
    link = tmp_path / "link"
    link.symlink_to(ok)
    assert cache.usable_root(link)[0] == ok.resolve()
    os.chmod(ok, 0o757)
    assert cache.usable_root(ok)[0] is None and "writable by others" in cache.usable_root(ok)[1]
    os.chmod(ok, 0o700)
    os.chown(ok, OTHER_UID, -1)
    assert cache.usable_root(ok)[0] is None and "belongs to uid 54321" in cache.usable_root(ok)[1]
    sticky = tmp_path / "sticky"
    sticky.mkdir(mode=0o700)
    os.chmod(sticky, 0o1777)  # as /tmp: others cannot replace what is not theirs
    assert cache.usable_root(sticky / "c")[0] is not None
    os.chmod(sticky, 0o777)
    assert "above it" in cache.usable_root(sticky / "c")[1]


def test_onnxjit_compile_names_an_unusable_output_folder(tmp_path: Path) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(_model())
    (tmp_path / "file").write_text("x")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "onnxjit.cli", "compile", str(model), "-o", str(tmp_path / "file")],
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode != 0
    assert "cannot use" in out.stderr and str(tmp_path / "file") in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("how", ["root-a-file", "triton-folder-0777"])
def test_triton_sessions_use_only_a_cache_folder_they_can_trust(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               how: str) -> None:
    pytest.importorskip("triton")
    pytest.importorskip("torch")
    from onnx import TensorProto, helper

    from onnxjit.providers.triton.device import cuda_available

    if not cuda_available():
        monkeypatch.setenv("TRITON_INTERPRET", "1")
    monkeypatch.setenv("TRITON_CACHE_DIR", os.environ.get("TRITON_CACHE_DIR", ""))  # restored afterwards
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Add", ["r", "x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()
    root = tmp_path / "cache"
    if how == "root-a-file":
        root.write_text("x")
        unsafe = root
    else:
        (root / "triton").mkdir(parents=True, mode=0o700)
        os.chmod(root, 0o700)
        os.chmod(root / "triton", 0o777)
        unsafe = root / "triton"
    cache._warned.discard(str(unsafe))
    so = onnxjit.SessionOptions()
    so.add_session_config_entry("onnxjit.cache_dir", str(root))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sess = onnxjit.InferenceSession(model, so, providers=["TritonExecutionProvider", "ReferenceExecutionProvider"])
    assert sess.get_providers()[0] == "TritonExecutionProvider"
    messages = [str(w.message) for w in caught if issubclass(w.category, cache.CacheWarning)]
    assert len(messages) == 1 and str(unsafe) in messages[0], messages
    assert not os.environ["TRITON_CACHE_DIR"].startswith(str(unsafe))
    x = np.linspace(-1, 1, 16, dtype=np.float32).reshape(2, 8)
    np.testing.assert_allclose(sess.run(None, {"x": x})[0], np.maximum(x, 0) + x, rtol=1e-6)
