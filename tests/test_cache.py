"""The on-disk compile cache across processes: warm starts compile nothing, `onnxjit compile` fills the
cache ahead of time, corrupt entries are rebuilt, and concurrent processes both succeed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("numba")
torch = pytest.importorskip("torch")

from benchmarks.torch_models import export_mlp  # noqa: E402
from tests.conformance.cases import light_models  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# A new process: open the model on Numba, run it once, print compile stats and the output's checksum.
OPEN = """
import json, sys
import numpy as np
import onnxjit
sess = onnxjit.InferenceSession(sys.argv[1], providers=["NumbaExecutionProvider"])
inp = sess.get_inputs()[0]
shape = [d if isinstance(d, int) else 2 for d in inp.shape]
x = (np.arange(int(np.prod(shape))).reshape(shape) % 7 / 7).astype(np.float32)
y = sess.run(None, {inp.name: x})[0]
stats = sess.compile_stats()
print(json.dumps({"compiled": stats["compiled"], "from_cache": stats["from_cache"], "sum": float(np.sum(y)),
                  "folder": stats["cache_folder"]}))
"""


def _open_in_new_process(model: Path, cache: Path) -> dict:
    env = {**os.environ, "ONNXJIT_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", OPEN, str(model)], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def mlp(tmp_path_factory) -> Path:
    return export_mlp(tmp_path_factory.mktemp("cache") / "mlp.onnx")


def test_second_process_compiles_nothing(mlp: Path, tmp_path: Path) -> None:
    first = _open_in_new_process(mlp, tmp_path)
    assert first["compiled"] > 0 and not first["from_cache"]
    second = _open_in_new_process(mlp, tmp_path)
    assert second["compiled"] == 0 and second["from_cache"]
    assert second["sum"] == pytest.approx(first["sum"], rel=1e-6)


@pytest.mark.parametrize("damage", ["garbage", "truncate", "delete"])
@pytest.mark.parametrize("which", ["index", "data", "source"])
def test_corrupt_cache_entry_is_rebuilt(mlp: Path, tmp_path: Path, which: str, damage: str) -> None:
    first = _open_in_new_process(mlp, tmp_path)
    folder = Path(first["folder"])
    files = {"index": sorted(folder.glob("__pycache__/*.nbi")), "data": sorted(folder.glob("__pycache__/*.nbc")),
             "source": sorted(folder.glob("plan_*.py"))}[which]
    assert files, f"no {which} files in {folder}"
    for f in files:
        if damage == "garbage":
            f.write_bytes(b"\x00garbage\n" * 3)
        elif damage == "truncate":
            f.write_bytes(f.read_bytes()[: max(1, f.stat().st_size // 3)])
        else:
            f.unlink()
    again = _open_in_new_process(mlp, tmp_path)
    assert again["compiled"] > 0, "a damaged entry must be compiled again"
    assert again["sum"] == pytest.approx(first["sum"], rel=1e-6)
    assert _open_in_new_process(mlp, tmp_path)["compiled"] == 0, "the rebuilt entry is used afterwards"


@pytest.mark.parametrize("damage", ["garbage", "truncate"])
def test_damaged_bytecode_of_a_generated_module_is_compiled_again(mlp: Path, tmp_path: Path, damage: str) -> None:
    """The generated modules' bytecode is kept in the cache; bytecode that cannot be read is replaced
    by the source's, and nothing needs Numba to compile again."""
    first = _open_in_new_process(mlp, tmp_path)
    files = sorted(tmp_path.glob("numba/**/__pycache__/*.pyc"))
    assert files, "a warm start reads the generated modules' bytecode from the cache"
    for f in files:
        data = f.read_bytes()
        f.write_bytes(data[:16] + b"\x00garbage" * 4 if damage == "garbage" else data[: max(17, len(data) // 3)])
    again = _open_in_new_process(mlp, tmp_path)
    assert again["compiled"] == 0 and again["sum"] == pytest.approx(first["sum"], rel=1e-6)


SCIPY_AFTER = """
import sys
import numpy as np
import onnxjit
sess = onnxjit.InferenceSession(sys.argv[1], providers=["NumbaExecutionProvider"])
x = np.ones([d if isinstance(d, int) else 2 for d in sess.get_inputs()[0].shape], np.float32)
sess.run(None, {sess.get_inputs()[0].name: x})
before = "scipy.linalg" in sys.modules
import scipy.linalg
import scipy.linalg.cython_blas as cb
product = scipy.linalg.blas.sgemm(1.0, np.ones((2, 3)), np.ones((3, 2)))
print(before, cb is scipy.linalg.cython_blas, float(product[0, 0]))
"""


def test_a_session_leaves_scipy_linalg_to_import_as_usual(mlp: Path, tmp_path: Path) -> None:
    """A session loads scipy's BLAS table alone rather than all of scipy.linalg (a warm start's 0.15-0.3
    s); a later `import scipy.linalg` then works as it would have."""
    env = {**os.environ, "ONNXJIT_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", SCIPY_AFTER, str(mlp)], env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ["False", "True", "3.0"]


def test_concurrent_processes_compiling_the_same_model_both_succeed(mlp: Path, tmp_path: Path) -> None:
    env = {**os.environ, "ONNXJIT_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", OPEN, str(mlp)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert results[0]["sum"] == pytest.approx(results[1]["sum"], rel=1e-6)
    assert _open_in_new_process(mlp, tmp_path)["compiled"] == 0


def _resnet50() -> Path:
    return next(path for name, path, _ in light_models() if name == "light_resnet50")


def test_onnxjit_compile_then_new_process_compiles_nothing_light_resnet50(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "onnxjit.cli", "compile", str(_resnet50()), "-o", str(tmp_path)],
                         env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "compile [" in out.stderr and "check run:" in out.stdout and "0 functions compiled" in out.stdout
    warm = _open_in_new_process(_resnet50(), tmp_path)
    assert warm["compiled"] == 0 and warm["from_cache"]
    assert np.isfinite(warm["sum"])
