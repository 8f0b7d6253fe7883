"""Loading compiled functions from Numba's disk cache without Numba's registries (cached_load.py): the
object-code symbols it relies on, a loaded function linked into later code, a warm start that takes
the shortcut, and one that cannot and loads as usual."""
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
from onnxjit.providers.numba.cached_load import object_symbols  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _allocating(n):
    return np.ones(n, np.float32).sum()


def test_object_symbols_lists_what_object_code_links_to_and_defines() -> None:
    fn = numba.njit("float32(int64)")(_allocating)
    cres = fn.overloads[fn.signatures[0]]
    _name, kind, (obj, _bitcode) = cres.library.serialize_using_object_code()
    assert kind == "object"
    symbols = object_symbols(obj)
    if symbols is None:
        pytest.skip("this platform's object code is not ELF: the shortcut stands aside here")
    undefined, defined = symbols
    assert any(n.startswith("NRT_") for n in undefined), undefined  # the array it allocates
    assert {cres.fndesc.llvm_func_name, cres.fndesc.llvm_cpython_wrapper_name} <= defined
    assert not defined & set(undefined)


@pytest.mark.parametrize("data", [b"", b"not an object file", b"\x7fELF\x02\x01" + b"\x00" * 10])
def test_object_symbols_is_none_for_what_it_cannot_read(data: bytes) -> None:
    assert object_symbols(data) is None


# A new process: a cached function loaded by the shortcut, then linked into a function compiled
# after it (its bitcode parsed only then).
LINKED = """
import sys
import numpy as np
import numba
sys.path.insert(0, sys.argv[1])
from cached_fn import total
if sys.argv[2] == "load":
    from onnxjit.providers.numba import cached_load
    assert cached_load.load(total, (numba.int64,)), "the entry is cached and loads"
print(total(5), len(total.overloads))
library = next(iter(total.overloads.values())).library
parsed = library._shared_module is not None
caller = numba.njit("float64(int64)")(lambda n: total(n) * 2.0)
print(caller(7))
assert library._shared_module is not None and parsed == (sys.argv[2] == "compile"), "bitcode parsed when linked"
"""


def test_a_loaded_function_links_into_code_compiled_after_it(tmp_path: Path) -> None:
    (tmp_path / "cached_fn.py").write_text(
        "import numba\nimport numpy as np\n\n\n@numba.njit(cache=True)\ndef total(n):\n"
        "    return np.arange(n).astype(np.float64).sum()\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for mode, want in (("compile", ["10.0", "1", "42.0"]), ("load", ["10.0", "1", "42.0"])):
        out = subprocess.run([sys.executable, "-c", LINKED, str(tmp_path), mode], env=env, capture_output=True,
                             text=True, timeout=600)
        assert out.returncode == 0, out.stderr[-3000:]
        assert out.stdout.split() == want


# A new process: open the model, run it, and say which Numba registries it imported. With
# argv[2] == "unresolvable", every object file seems to need a symbol nobody defines.
OPEN = """
import json, sys
import numpy as np
from onnxjit.providers.numba import cached_load
if sys.argv[2] == "unresolvable":
    found = cached_load.object_symbols
    cached_load.object_symbols = lambda obj: ((found(obj) or ([], set()))[0] + ["onnxjit_test_no_such_symbol"],
                                              set())
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
