"""The nine light_* models shipped with onnx match their shipped expected outputs (CPU provider)."""
from __future__ import annotations

import numpy as np
import onnx
import pytest

import onnxjit
from tests.conformance.cases import light_inputs, light_models

LIGHT = light_models()


def test_all_nine_light_models_are_found() -> None:
    assert len(LIGHT) == 9, [name for name, _, _ in LIGHT]


@pytest.mark.parametrize(("name", "model_path", "expected_path"), LIGHT, ids=[n for n, _, _ in LIGHT])
def test_light_model_matches_expected_output(name, model_path, expected_path) -> None:
    model = onnx.load(str(model_path))
    feeds = light_inputs(model)
    expected = onnx.numpy_helper.to_array(onnx.load_tensor(str(expected_path)))
    sess = onnxjit.InferenceSession(str(model_path), providers=["ReferenceExecutionProvider"])
    (out,) = sess.run(None, feeds)
    assert out.shape == expected.shape
    assert out.dtype == expected.dtype
    np.testing.assert_allclose(out, expected, rtol=1e-3, atol=1e-5)


@pytest.mark.skipif("NumbaExecutionProvider" not in onnxjit.get_available_providers(), reason="numba is not installed")
@pytest.mark.parametrize(("name", "model_path", "expected_path"), LIGHT, ids=[n for n, _, _ in LIGHT])
def test_light_model_compiles_fully_and_matches_onnxruntime_on_numba(name, model_path, expected_path) -> None:
    """Issue 3's bar: every light_* model runs on the Numba provider with no node on the reference
    fallback and agrees with onnxruntime (rtol 1e-3, atol 1e-4), on its shipped-style input and on
    a random one."""
    ort = pytest.importorskip("onnxruntime")
    model = onnx.load(str(model_path))
    sess = onnxjit.InferenceSession(str(model_path), providers=["NumbaExecutionProvider"])
    assert sess.executable.plan.host_steps == [], sess.executable.plan.describe()
    oracle = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    feeds = light_inputs(model)
    rng = np.random.default_rng(0)
    for f in (feeds, {k: rng.standard_normal(v.shape).astype(v.dtype) for k, v in feeds.items()}):
        (want,) = oracle.run(None, f)
        (got,) = sess.run(None, f)
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-4)
