"""The GEMM micro-kernel (numba_microkernel.gemm_block) through `_mm`, the helper the conv and MatMul
templates call: every edge (rows past a 16-row panel, columns past a vector, k past a KC piece),
b packed (more than two row panels) or read in place in both loop orders, a packed (b in place,
rows a multiple of 4 KB apart), leading dimensions, per-row bias, accumulation and float64 (8
lanes), against numpy."""
from __future__ import annotations

import importlib
import os
import subprocess
import sys

import numpy as np
import pytest

from onnxjit.compiler.codegen import numba_gen


@pytest.fixture(scope="module")
def helpers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("helpers")
    (folder / f"{numba_gen.HELPER_MODULE}.py").write_text(numba_gen.HELPER_SOURCE)
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(numba_gen.HELPER_MODULE)
    finally:
        sys.path.remove(str(folder))


SHAPES = [  # (M, N, K): one partial panel and vector; panels + edges both ways round; K over KC;
    (1, 1, 1), (5, 7, 3), (17, 33, 300), (40, 3, 70), (3, 40, 70), (16, 16, 256), (33, 130, 513),
    (48, 20, 1024),  # rows 4 KB apart: a read in place, as b is packed (more than two row panels)
    (10, 48, 1024), (12, 5, 1024),  # a packed (b read in place), strips first and rows first
    (12, 5, 30), (12, 40, 30),  # b read in place (two row panels): rows first, strips first
    (7, 9, 0),       # K = 0: zeros (or the bias)
    (13, 300, 40), (100, 49, 600)]  # b packed: blocks of columns past NC, strips past the edge


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("m,n,k", SHAPES)
def test_mm_matches_numpy(helpers, m, n, k, dtype) -> None:
    rng = np.random.default_rng(m * 1000 + n * 10 + k)
    lda, ldb, ldc = k + (0 if k % 1024 == 0 else 3), n + 5, n + 2  # leading dims past the used columns
    a = rng.standard_normal((m, lda)).astype(dtype)
    b = rng.standard_normal((k, ldb)).astype(dtype)
    bias = rng.standard_normal(m).astype(dtype)
    c = np.full((m, ldc), 7.0, dtype)  # columns past n must keep their 7s
    helpers._mm(m, n, k, a.ravel(), lda, b.ravel(), ldb, c.ravel(), ldc, False, bias, True)
    want = a[:, :k].astype(np.float64) @ b[:, :n] + bias[:, None]
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(c[:, :n], want, rtol=tol, atol=tol * max(1, k))
    assert (c[:, n:] == 7).all()
    # accumulate: c += a @ b, bias ignored
    helpers._mm(m, n, k, a.ravel(), lda, b.ravel(), ldb, c.ravel(), ldc, True, bias, True)
    np.testing.assert_allclose(c[:, :n], want + a[:, :k].astype(np.float64) @ b[:, :n], rtol=tol,
                               atol=2 * tol * max(1, k))
    assert (c[:, n:] == 7).all()


def test_mm_rejects_mixed_dtypes(helpers) -> None:
    a = np.ones(4, np.float32)
    with pytest.raises(Exception):  # noqa: B017 - a Numba typing error
        helpers._mm(2, 2, 2, a, 2, np.ones(4, np.float64), 2, np.zeros(4, np.float32), 2, False, a, False)


@pytest.mark.skipif(os.environ.get("ONNXJIT_GEMM_MR") is not None, reason="already the other block height")
def test_mm_with_the_other_block_height() -> None:
    """The same checks with the micro-kernel's block height for the other kind of CPU (6 rows without
    AVX-512, 16 with it): the code this machine does not run."""
    from onnxjit.compiler.codegen.numba_microkernel import MR

    env = {**os.environ, "ONNXJIT_GEMM_MR": "6" if MR == 16 else "16"}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__,
                          "-k", "test_mm_matches_numpy or rejects"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]  # 5 were none collected
