"""Models exported from torch inside the test, run by onnxjit (every available provider) and by
onnxruntime (the oracle): an MLP, a small transformer encoder and a small CNN.

Exported with the legacy TorchScript exporter (`dynamo=False`, opset 17): the dynamo exporter needs
onnxscript, which is not a dependency. The transformer's sequence length is baked into its Reshape
constants by the legacy exporter (torch's attention reads `query.shape` as Python ints), so only its
batch axis is dynamic; so are the MLP's and the CNN's.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

import onnxjit  # noqa: E402
from benchmarks.torch_models import export_encoder  # noqa: E402

RTOL, ATOL = 1e-3, 1e-4
D_MODEL, SEQ = 32, 8
PROVIDERS = onnxjit.get_available_providers()


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


@pytest.fixture(scope="session")
def dynamic_encoder_path(tmp_path_factory) -> Path:
    """Batch and sequence axes both dynamic: attention reshapes computed from the input's shape."""
    return export_encoder(tmp_path_factory.mktemp("torch") / "dynamic_encoder.onnx", d_model=D_MODEL, heads=4,
                          d_ff=64, layers=2)


@pytest.fixture(scope="session")
def cnn_path(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, stride=2, padding=1, groups=2), torch.nn.BatchNorm2d(16), torch.nn.SiLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(16, 10)).eval()
    with torch.no_grad():  # non-trivial BatchNorm statistics
        for m in cnn.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    return _export(cnn, torch.randn(2, 3, 16, 16), tmp_path_factory.mktemp("torch") / "cnn.onnx",
                   {"x": {0: "batch"}, "y": {0: "batch"}})


def _compare(path: Path, shapes: list[tuple[int, ...]], provider: str) -> None:
    oracle = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    sess = onnxjit.InferenceSession(str(path), providers=[provider])
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


@pytest.mark.parametrize("provider", PROVIDERS)
def test_mlp_matches_onnxruntime(mlp_path: Path, provider: str) -> None:
    _compare(mlp_path, [(2, 16), (5, 16), (1, 16)], provider)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_transformer_encoder_matches_onnxruntime(encoder_path: Path, provider: str) -> None:
    _compare(encoder_path, [(2, SEQ, D_MODEL), (3, SEQ, D_MODEL)], provider)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_cnn_matches_onnxruntime(cnn_path: Path, provider: str) -> None:
    _compare(cnn_path, [(2, 3, 16, 16), (1, 3, 16, 16)], provider)


def test_transformer_encoder_input_shape_is_symbolic(encoder_path: Path) -> None:
    sess = onnxjit.InferenceSession(str(encoder_path), providers=["ReferenceExecutionProvider"])
    assert sess.get_inputs()[0].shape == ["batch", SEQ, D_MODEL]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_dynamic_encoder_matches_onnxruntime(dynamic_encoder_path: Path, provider: str) -> None:
    _compare(dynamic_encoder_path, [(2, 16, D_MODEL), (1, 5, D_MODEL)], provider)


@pytest.mark.skipif("NumbaExecutionProvider" not in PROVIDERS, reason="numba is not installed")
def test_dynamic_encoder_compiles_once_for_every_batch_and_sequence_length(dynamic_encoder_path: Path) -> None:
    """Kernels are shape-generic: after session creation, new batch sizes and sequence lengths compile
    nothing, and the plan needs no reference fallback."""
    sess = onnxjit.InferenceSession(str(dynamic_encoder_path), providers=["NumbaExecutionProvider"])
    plan = sess.executable.plan
    assert plan.host_steps == []
    assert len(plan.kernel_steps) < len(onnx_nodes(dynamic_encoder_path)) / 2
    compiled = sess.compile_stats()["compiled"]
    oracle = ort.InferenceSession(str(dynamic_encoder_path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    for seq in (16, 128):
        for batch in (1, 4, 2):
            x = rng.standard_normal((batch, seq, D_MODEL)).astype(np.float32)
            np.testing.assert_allclose(sess.run(None, {"x": x})[0], oracle.run(None, {"x": x})[0], rtol=RTOL, atol=ATOL)
            assert sess.compile_stats()["compiled"] == compiled, f"batch {batch}, seq {seq} compiled new code"


def onnx_nodes(path: Path) -> list:
    import onnx

    return list(onnx.load(str(path)).graph.node)
