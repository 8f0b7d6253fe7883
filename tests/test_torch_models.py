"""Models exported from torch inside the test, run by onnxjit and by onnxruntime (the oracle).

Exported with the legacy TorchScript exporter (`dynamo=False`, opset 17): the dynamo exporter needs
onnxscript, which is not a dependency. The transformer's sequence length is baked into its Reshape
constants by the legacy exporter (torch's attention reads `query.shape` as Python ints), so only its
batch axis is dynamic; the MLP's batch axis is dynamic too.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

import onnxjit  # noqa: E402

RTOL, ATOL = 1e-3, 1e-4
D_MODEL, SEQ = 32, 8


def _export(module, example, path: Path, dynamic_axes: dict) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python bools in torch's attention code
        torch.onnx.export(module, (example,), str(path), dynamo=False, opset_version=17,
                          input_names=["x"], output_names=["y"], dynamic_axes=dynamic_axes)
    return path


@pytest.fixture(scope="session")
def mlp_path(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(torch.nn.Linear(16, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32), torch.nn.GELU(),
                              torch.nn.Linear(32, 4), torch.nn.Softmax(dim=-1)).eval()
    return _export(mlp, torch.randn(2, 16), tmp_path_factory.mktemp("torch") / "mlp.onnx",
                   {"x": {0: "batch"}, "y": {0: "batch"}})


@pytest.fixture(scope="session")
def encoder_path(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(d_model=D_MODEL, nhead=4, dim_feedforward=64, dropout=0.0,
                                             batch_first=True)
    enc = torch.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False).eval()
    return _export(enc, torch.randn(2, SEQ, D_MODEL), tmp_path_factory.mktemp("torch") / "encoder.onnx",
                   {"x": {0: "batch"}, "y": {0: "batch"}})


def _compare(path: Path, shapes: list[tuple[int, ...]]) -> None:
    oracle = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    sess = onnxjit.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == [i.name for i in oracle.get_inputs()]
    assert [i.shape for i in sess.get_inputs()] == [i.shape for i in oracle.get_inputs()]
    assert [(o.name, o.type, o.shape) for o in sess.get_outputs()] == \
        [(o.name, o.type, o.shape) for o in oracle.get_outputs()]
    rng = np.random.default_rng(0)
    for shape in shapes:  # the same session at several batch sizes
        x = rng.standard_normal(shape).astype(np.float32)
        (want,) = oracle.run(None, {"x": x})
        (got,) = sess.run(None, {"x": x})
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


def test_mlp_matches_onnxruntime(mlp_path: Path) -> None:
    _compare(mlp_path, [(2, 16), (5, 16), (1, 16)])


def test_transformer_encoder_matches_onnxruntime(encoder_path: Path) -> None:
    _compare(encoder_path, [(2, SEQ, D_MODEL), (3, SEQ, D_MODEL)])


def test_transformer_encoder_input_shape_is_symbolic(encoder_path: Path) -> None:
    sess = onnxjit.InferenceSession(str(encoder_path), providers=["CPUExecutionProvider"])
    assert sess.get_inputs()[0].shape == ["batch", SEQ, D_MODEL]
