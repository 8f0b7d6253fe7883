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
    sess = onnxjit.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    (out,) = sess.run(None, feeds)
    assert out.shape == expected.shape
    assert out.dtype == expected.dtype
    np.testing.assert_allclose(out, expected, rtol=1e-3, atol=1e-5)
