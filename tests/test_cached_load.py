"""Loading compiled functions from Numba's disk cache without Numba's registries (cached_load.py): the
object-code check it relies on, a warm start that takes the shortcut, and one that cannot and
compiles as usual."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

numba = pytest.importorskip("numba")
pytest.importorskip("torch")

from benchmarks.torch_models import export_mlp  # noqa: E402
from onnxjit.providers.numba.cached_load import undefined_symbols  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _allocating(n):
    return np.ones(n, np.float32).sum()


def test_undefined_symbols_lists_what_object_code_links_to() -> None:
    fn = numba.njit("float32(int64)")(_allocating)
    _name, kind, (obj, _bitcode) = fn.overloads[fn.signatures[0]].library.serialize_using_object_code()
    assert kind == "object"
    names = undefined_symbols(obj)
    if names is None:
        pytest.skip("this platform's object code is not ELF: the shortcut stands aside here")
    assert any(n.startswith("NRT_") for n in names), names  # the array it allocates
    defined = {n for n in names if "_allocating" in n}
    assert not defined, f"its own functions are defined, not undefined: {defined}"


@pytest.mark.parametrize("data", [b"", b"not an object file", b"\x7fELF\x02\x01" + b"\x00" * 10])
def test_undefined_symbols_is_none_for_what_it_cannot_read(data: bytes) -> None:
    assert undefined_symbols(data) is None


# A new process: open the model, run it, and say which Numba registries it imported. With
# argv[2] == "unresolvable", every object file seems to need a symbol nobody defines.
OPEN = """
import json, sys
import numpy as np
from onnxjit.providers.numba import cached_load
if sys.argv[2] == "unresolvable":
    found = cached_load.undefined_symbols
    cached_load.undefined_symbols = lambda obj: (found(obj) or []) + ["onnxjit_test_no_such_symbol"]
import onnxjit
sess = onnxjit.InferenceSession(sys.argv[1], providers=["NumbaExecutionProvider"])
inp = sess.get_inputs()[0]
shape = [d if isinstance(d, int) else 2 for d in inp.shape]
x = np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)
y = sess.run(None, {inp.name: x})[0]
print(json.dumps({"compiled": sess.compile_stats()["compiled"], "sum": float(np.abs(y).sum()),
                  "registries": "numba.np.linalg" in sys.modules, "scipy_linalg": "scipy.linalg" in sys.modules}))
"""


def _open(model: Path, cache: Path, mode: str = "") -> dict:
    env = {**os.environ, "ONNXJIT_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", OPEN, str(model), mode], env=env, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_warm_start_loads_without_numba_registries_and_falls_back_when_it_must(tmp_path: Path) -> None:
    mlp = export_mlp(tmp_path / "mlp.onnx")
    cache = tmp_path / "cache"
    cold = _open(mlp, cache)
    assert cold["compiled"] > 0 and not cold["scipy_linalg"]
    warm = _open(mlp, cache)
    assert warm["compiled"] == 0 and warm["sum"] == pytest.approx(cold["sum"], rel=1e-6)
    assert not warm["registries"], "a warm start loads the cached code without Numba's typing registries"
    usual = _open(mlp, cache, "unresolvable")
    assert usual["compiled"] == 0 and usual["sum"] == pytest.approx(cold["sum"], rel=1e-6)
    assert usual["registries"], "an entry the shortcut cannot vouch for is loaded the usual way"
    assert not usual["scipy_linalg"]
