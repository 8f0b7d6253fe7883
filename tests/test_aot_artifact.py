"""`onnxjit compile -o DIR` writes a self-contained, relocatable artifact (runtime/artifact.py): the
folder can be moved or copied, the original model deleted, and InferenceSession(DIR) compiles nothing;
strict mode raises ModelRequiresCompilation instead of compiling; Triton builds take several shape
buckets, compile only the variants the folder lacks, and still find them after the folder moved.

Numba's compiled functions are loaded once per process (a second session on the same plan reuses the
first's modules), so the checks that count compiles on a Numba artifact run in fresh processes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

pytest.importorskip("numba")
ort = pytest.importorskip("onnxruntime")

import onnxjit  # noqa: E402
from onnxjit.cli import main  # noqa: E402
from onnxjit.runtime import artifact  # noqa: E402

pytestmark = pytest.mark.xdist_group("aot_artifact")  # one worker compiles the shared artifact
ROOT = Path(__file__).resolve().parent.parent
X = np.linspace(-1, 1, 3 * 16, dtype=np.float32).reshape(3, 16)


def _model() -> onnx.ModelProto:
    """MatMul + Add + Relu over a symbolic batch: one fused kernel."""
    rng = np.random.RandomState(0)
    inits = [numpy_helper.from_array(rng.randn(16, 8).astype(np.float32), "W"),
             numpy_helper.from_array(rng.randn(8).astype(np.float32), "b")]
    nodes = [helper.make_node("MatMul", ["x", "W"], ["m"]), helper.make_node("Add", ["m", "b"], ["a"]),
             helper.make_node("Relu", ["a"], ["y"])]
    graph = helper.make_graph(nodes, "aot", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 16])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 8])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def _expected() -> np.ndarray:
    return ort.InferenceSession(_model().SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": X})[0]


@pytest.fixture(scope="module")
def numba_artifact(tmp_path_factory) -> Path:
    """An artifact compiled for this CPU; the model it came from is deleted."""
    base = tmp_path_factory.mktemp("aot")
    src = base / "src.onnx"
    onnx.save(_model(), src)
    assert main(["compile", str(src), "-o", str(base / "build"), "--shape", "x=2,16", "--shape", "x=5,16"]) == 0
    src.unlink()
    return base / "build"


@pytest.fixture
def copy(numba_artifact: Path, tmp_path: Path) -> Path:
    """A copy for one test to change (modes and times kept)."""
    return Path(shutil.copytree(numba_artifact, tmp_path / "copy"))


# Opens an artifact in a new process: compile stats, the output, the artifact's reasons, or the error.
OPEN = """
import json, sys
import numpy as np
import onnxjit
so = onnxjit.SessionOptions()
if len(sys.argv) > 2:
    so.add_session_config_entry("onnxjit.aot_strict", sys.argv[2])
x = np.linspace(-1, 1, 48, dtype=np.float32).reshape(3, 16)
try:
    sess = onnxjit.InferenceSession(sys.argv[1], so)
except onnxjit.ModelRequiresCompilation as exc:
    print(json.dumps({"error": str(exc)}))
    sys.exit(0)
y = sess.run(None, {"x": x})[0]
print(json.dumps({"compiled": sess.compile_stats()["compiled"], "y": y.tolist(), "reasons": sess._artifact["reasons"],
                  "folder": sess.compile_stats()["cache_folder"]}))
"""


def _open_in_new_process(folder: Path, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", OPEN, str(folder), *args], env=env, capture_output=True, text=True,
                         timeout=600, cwd=folder.parent)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_numba_artifact_moved_or_copied_loads_with_zero_compiles(numba_artifact: Path, tmp_path: Path) -> None:
    manifest = json.loads((numba_artifact / artifact.MANIFEST).read_text())
    build = manifest["builds"]["NumbaExecutionProvider"]
    assert build["shapes"] == [{"x": [2, 16]}, {"x": [5, 16]}] and build["variants"]
    assert all(not Path(f["path"]).is_absolute() for f in build["files"])
    assert str(numba_artifact) not in (numba_artifact / artifact.MANIFEST).read_text()

    moved = Path(shutil.move(str(shutil.copytree(numba_artifact, tmp_path / "a")), tmp_path / "moved"))
    got = _open_in_new_process(moved)
    assert got["compiled"] == 0 and got["reasons"] == [], got
    assert got["folder"].startswith(str(moved))
    np.testing.assert_allclose(np.array(got["y"], np.float32), _expected(), rtol=1e-5, atol=1e-5)

    # a copy that keeps modes but not times (as cp -r): strict, so any compile would raise instead
    copied = Path(shutil.copytree(moved, tmp_path / "copied", copy_function=shutil.copy))
    assert os.stat(copied / artifact.MODEL).st_mtime_ns != os.stat(moved / artifact.MODEL).st_mtime_ns
    again = _open_in_new_process(copied, "1")
    assert again.get("compiled") == 0, again
    # the generated modules got their times back (Numba before 0.68 stamps its entries with them)
    assert all(os.stat(copied / f["path"]).st_mtime_ns == f["mtime_ns"] for f in build["files"])

    # a compiled function deleted from the cache: strict mode refuses to compile it
    for pycache in (copied / "numba").rglob("__pycache__"):
        for f in pycache.glob("plan_*.nb[ic]"):
            f.unlink()
    refused = _open_in_new_process(copied, "1")
    assert "MODEL_REQUIRES_COMPILATION" in refused.get("error", "") and "Numba would compile" in refused["error"]


def _edit_manifest(folder: Path, change, sign: bool) -> None:
    data = json.loads((folder / artifact.MANIFEST).read_text())
    change(data["builds"]["NumbaExecutionProvider"])
    if sign:  # as a build by another machine or version would have written it
        artifact.write_manifest(folder, data)
    else:
        (folder / artifact.MANIFEST).write_text(json.dumps(data))


def _strict(folder: Path) -> onnxjit.InferenceSession:
    so = onnxjit.SessionOptions()
    so.add_session_config_entry("onnxjit.aot_strict", "1")
    return onnxjit.InferenceSession(str(folder), so)


def test_strict_mode_refuses_an_edited_manifest(copy: Path) -> None:
    _edit_manifest(copy, lambda b: b["versions"].update(numba="0.0.1"), sign=False)
    with pytest.raises(onnxjit.ModelRequiresCompilation, match="does not verify"):
        _strict(copy)


@pytest.mark.parametrize("change, reason", [
    (lambda b: b["versions"].update(numba="0.0.1"), "built with numba 0.0.1"),
    (lambda b: b["machine"].update(cpu=b["machine"]["cpu"].replace("True", "False", 1)), "with other features"),
    (lambda b: b["files"][0].update(sha256="0" * 64), "was changed since it was compiled"),
])
def test_strict_mode_refuses_a_build_for_another_machine_or_version(copy: Path, change, reason: str) -> None:
    _edit_manifest(copy, change, sign=True)
    with pytest.raises(onnxjit.ModelRequiresCompilation, match=reason) as info:
        _strict(copy)
    assert "\n" not in str(info.value)
    with pytest.raises(onnxjit.ModelRequiresCompilation, match=reason):
        onnxjit.load_artifact(copy, strict=True)


def test_strict_mode_refuses_another_model(copy: Path) -> None:
    other = _model()
    other.graph.initializer[1].CopyFrom(numpy_helper.from_array(np.zeros(8, np.float32), "b"))
    onnx.save(other, copy / artifact.MODEL)
    with pytest.raises(onnxjit.ModelRequiresCompilation, match="not the model that was compiled"):
        _strict(copy)


def test_non_strict_warns_why_and_compiles_what_it_lacks(copy: Path) -> None:
    _edit_manifest(copy, lambda b: b["versions"].update(numba="0.0.1"), sign=True)
    with pytest.warns(artifact.AotWarning, match="built with numba 0.0.1.*compiling what it lacks"):
        sess = onnxjit.InferenceSession(str(copy))
    assert sess.get_providers()[0] == "NumbaExecutionProvider"
    np.testing.assert_allclose(sess.run(None, {"x": X})[0], _expected(), rtol=1e-5, atol=1e-5)


def test_compile_strict_flag_is_recorded_and_loading_a_matching_artifact_does_not_warn(copy: Path) -> None:
    _edit_manifest(copy, lambda b: b.update(strict=True), sign=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", artifact.AotWarning)
        sess = onnxjit.load_artifact(copy)
    assert sess._artifact["strict"] and sess._artifact["reasons"] == []
    np.testing.assert_allclose(sess.run(None, {"x": X})[0], _expected(), rtol=1e-5, atol=1e-5)


def test_a_folder_that_is_not_an_artifact_is_no_such_file(tmp_path: Path) -> None:
    with pytest.raises(onnxjit.NoSuchFile, match="without manifest.json"):
        onnxjit.InferenceSession(str(tmp_path))
    with pytest.raises(onnxjit.NoSuchFile, match="not an artifact"):
        onnxjit.load_artifact(tmp_path)


@pytest.mark.parametrize("args, message", [
    (["missing.onnx"], "no such model file"),
    (["garbage.onnx"], "not a readable ONNX model"),
    (["m.onnx", "--provider", "tpu"], "unknown provider 'tpu'"),
    (["m.onnx", "--provider", "triton"], "give --target"),
    (["m.onnx", "--provider", "triton", "--target", "cuda:abc"], "unknown GPU target"),
    (["m.onnx", "--provider", "triton", "--target", "cuda:12"], "unknown GPU target"),
    (["m.onnx", "--target", "cuda:90"], "--target is a GPU architecture"),
    (["m.onnx", "--shape", "x=a,16"], "dims must be integers"),
    (["m.onnx", "--shape", "1,16"], "expects NAME=D0,D1"),
    (["m.onnx", "--shape", "z=1,16"], "not an input of the model"),
    (["m.onnx", "--shape", "x=1,16,3"], "has rank 2"),
    (["m.onnx", "--shape", "x=1,15"], "dim 1 of input x is fixed at 16"),
])
def test_compile_errors_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    onnx.save(_model(), tmp_path / "m.onnx")
    (tmp_path / "garbage.onnx").write_bytes(b"\x00not a protobuf\xff" * 8)
    argv = ["compile", str(tmp_path / args[0]), "-o", str(tmp_path / "out"), *args[1:]]
    with pytest.raises(SystemExit) as info:
        main(argv)
    text = str(info.value.code)
    assert text.startswith("onnxjit compile: ") and message in text and "\n" not in text, text


def test_shape_buckets_syntax() -> None:
    from onnxjit.runtime.artifact_build import parse_buckets

    assert parse_buckets([]) == [{}]
    assert parse_buckets(["x=1,16", "x=8,16"]) == [{"x": (1, 16)}, {"x": (8, 16)}]
    assert parse_buckets(["x=1,16", "m=1,4", "x=8,16"]) == [{"x": (1, 16), "m": (1, 4)}, {"x": (8, 16), "m": (1, 4)}]
    assert parse_buckets(["x=1,16;m=2,4", "x=2,16;m=3,4"]) == [{"x": (1, 16), "m": (2, 4)}, {"x": (2, 16), "m": (3, 4)}]


def test_bucket_guard_strict_and_warning(tmp_path: Path) -> None:
    guard = artifact.BucketGuard(tmp_path, [{"x": [1, 16]}, {"x": [8, 16]}], strict=True)
    guard({"x": np.zeros((8, 16), np.float32)})
    with pytest.raises(onnxjit.ModelRequiresCompilation, match=r"x=\[3, 16\] are not among the 2 shape buckets"):
        guard({"x": np.zeros((3, 16), np.float32)})
    lenient = artifact.BucketGuard(tmp_path, [{"x": [1, 16]}], strict=False)
    with pytest.warns(artifact.AotWarning, match="were not compiled ahead of time"):
        lenient({"x": np.zeros((3, 16), np.float32)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lenient({"x": np.zeros((3, 16), np.float32)})  # once per shape


# --- Triton: compiled for a GPU architecture on this machine, no GPU needed ---------------------------
@pytest.fixture
def no_interpreter(monkeypatch):
    pytest.importorskip("triton")
    pytest.importorskip("torch")
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)


def _compile_triton(model: Path, out: Path, capsys, *shapes: str) -> str:
    argv = ["compile", str(model), "--provider", "triton", "--target", "cuda:90", "-o", str(out)]
    for s in shapes:
        argv += ["--shape", s]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Triton's own notices
        assert main(argv) == 0
    return capsys.readouterr().out


def test_triton_buckets_survive_moving_the_folder(no_interpreter, tmp_path: Path, capsys, monkeypatch) -> None:
    from triton import knobs
    from triton.runtime.cache import get_cache_manager

    from onnxjit.providers.triton import aot
    from onnxjit.providers.triton.device import use_triton_cache

    onnx.save(_model(), tmp_path / "m.onnx")
    buckets = ("x=1,16", "x=4,16", "x=8,16")  # batch 1 specialises apart; 4 and 8 share a variant
    out = _compile_triton(tmp_path / "m.onnx", tmp_path / "build", capsys, *buckets)
    assert "variants:   2 (3 launches): 2 new, 0 already in the folder" in out, out
    (tmp_path / "m.onnx").unlink()
    moved = Path(shutil.move(str(tmp_path / "build"), tmp_path / "moved"))

    # Triton's own groups name the files by their old absolute paths: stock Triton would miss them all
    groups = list((moved / "triton").rglob("__grp__*.json"))
    listed = [p for g in groups for p in json.loads(g.read_text())["child_paths"].values()]
    assert groups and listed and not any(os.path.exists(p) for p in listed)

    calls: list[str] = []
    real = aot.compile_variant
    monkeypatch.setattr(aot, "compile_variant", lambda v, t: calls.append(v.kernel) or real(v, t))
    again = _compile_triton(moved / artifact.MODEL, moved, capsys, *buckets)
    assert "2 new" not in again and "variants:   2 (3 launches): 0 new, 2 already in the folder" in again, again
    assert calls == []

    build = json.loads((moved / artifact.MANIFEST).read_text())["builds"]["TritonExecutionProvider"]
    assert build["shapes"] == [{"x": [1, 16]}, {"x": [4, 16]}, {"x": [8, 16]}]
    assert build["machine"] == {"gpu_target": "cuda:90"}
    assert sorted(v["buckets"] for v in build["variants"]) == [[0], [1, 2]]
    assert all(not os.path.isabs(v["folder"]) and (moved / v["folder"]).is_dir() for v in build["variants"])
    assert str(tmp_path / "build") not in (moved / artifact.MANIFEST).read_text()

    # what a GPU session's JIT would do at launch (triton.compiler.compile on the same key): a cache hit
    hits: list[bool] = []
    monkeypatch.setattr(knobs.compilation, "listener", lambda **kw: hits.append(kw["cache_hit"]))
    sess = onnxjit.InferenceSession(str(moved / artifact.MODEL), providers=["ReferenceExecutionProvider"])
    from onnxjit.providers.triton.provider import TritonExecutable

    so = onnxjit.SessionOptions()
    so.add_session_config_entry("onnxjit.cache_dir", str(moved))
    ex = TritonExecutable(sess._model, {"session_options": so}, {"target": "cuda:90"})
    assert use_triton_cache(ex.cache_root) == moved / "triton"
    _, variants = aot.record_variants(ex, [aot.zero_feeds(sess, {"x": (4, 16)})], aot.parse_target("cuda:90"))
    for v, _ in variants.values():
        monkeypatch.delenv("TRITON_CACHE_MANAGER")  # stock Triton's lookup: a miss
        assert get_cache_manager(v.cache_hash).get_group(v.group) is None
        use_triton_cache(ex.cache_root)  # onnxjit's: a hit, without compiling
        real(v, aot.parse_target("cuda:90"))
    assert hits == [True] * len(variants) and len(variants) == 1

    # another bucket adds to the folder: only its new variant compiles, and the manifest keeps all four
    monkeypatch.setattr(knobs.compilation, "listener", None)
    more = _compile_triton(moved / artifact.MODEL, moved, capsys, "x=16,16")
    assert "variants:   1 (1 launches): 1 new, 0 already in the folder" in more and len(calls) == 1, more
    build = json.loads((moved / artifact.MANIFEST).read_text())["builds"]["TritonExecutionProvider"]
    assert len(build["shapes"]) == 4 and len(build["variants"]) == 3


def test_triton_artifact_in_the_interpreter_warns_or_refuses(no_interpreter, tmp_path: Path, capsys,
                                                             monkeypatch) -> None:
    onnx.save(_model(), tmp_path / "m.onnx")
    _compile_triton(tmp_path / "m.onnx", tmp_path / "build", capsys, "x=3,16")
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    with pytest.raises(onnxjit.ModelRequiresCompilation, match="built for GPU target cuda:90, this process runs on "
                                                               "interpreter"):
        onnxjit.load_artifact(tmp_path / "build", strict=True)
    with pytest.warns(artifact.AotWarning, match="built for GPU target cuda:90"):
        sess = onnxjit.InferenceSession(str(tmp_path / "build"))
    assert sess.get_providers()[0] == "TritonExecutionProvider"
    np.testing.assert_allclose(sess.run(None, {"x": X})[0], _expected(), rtol=1e-4, atol=1e-4)


def test_external_data_is_made_internal_in_the_artifact(tmp_path: Path) -> None:
    from onnxjit.runtime.artifact_build import prepare_folder

    src = tmp_path / "src"
    src.mkdir()
    onnx.save(_model(), src / "m.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
              location="m.data", size_threshold=0)
    assert (src / "m.data").is_file()
    root = prepare_folder(str(src / "m.onnx"), tmp_path / "out")
    shutil.rmtree(src)
    copied = onnx.load(str(root / artifact.MODEL), load_external_data=False)
    assert all(t.data_location == TensorProto.DEFAULT for t in copied.graph.initializer)
    sess = onnxjit.InferenceSession(str(root / artifact.MODEL), providers=["ReferenceExecutionProvider"])
    got = sess.run(None, {"x": X})[0]
    np.testing.assert_allclose(got, _expected(), rtol=1e-5, atol=1e-5)


def test_build_after_sessions_in_this_process_still_holds_every_compiled_function(tmp_path: Path) -> None:
    """A process that already ran the model's kernels (from the shared test cache) imported their
    generated modules from there; the build must still put their compiled code into the artifact
    (it builds in a fresh process), so a new process opening the artifact compiles nothing."""
    onnxjit.InferenceSession(_model().SerializeToString(), providers=["NumbaExecutionProvider"]).run(None, {"x": X})
    assert any(n.startswith("onnxjit_kernel_") for n in sys.modules)
    src = tmp_path / "src.onnx"
    onnx.save(_model(), src)
    assert main(["compile", str(src), "-o", str(tmp_path / "build"), "--shape", "x=3,16"]) == 0
    got = _open_in_new_process(tmp_path / "build", "1")  # strict: a compile would raise
    assert got.get("compiled") == 0, got
    np.testing.assert_allclose(np.array(got["y"], np.float32), _expected(), rtol=1e-5, atol=1e-5)
