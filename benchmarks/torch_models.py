"""Models exported from torch for tests and benchmarks: an MLP and a transformer encoder whose batch
and sequence axes are both dynamic.

torch's own nn.MultiheadAttention bakes the sequence length into its Reshape constants under the
legacy (TorchScript) exporter, so the encoder here spells attention out: the exporter then writes the
Shape -> Gather -> Concat -> Reshape chains that real exported models carry. Legacy exporter
(`dynamo=False`, opset 17): the dynamo exporter needs onnxscript, which is not a dependency.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn


class SelfAttention(nn.Module):
    def __init__(self, d_model: int, heads: int):
        super().__init__()
        self.heads, self.head_dim = heads, d_model // heads
        self.q, self.k, self.v = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t = x.shape[0], x.shape[1]

        def split(y: torch.Tensor) -> torch.Tensor:  # (b, t, d) -> (b, heads, t, head_dim)
            return y.reshape(b, t, self.heads, self.head_dim).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = torch.softmax(q @ k.transpose(-2, -1) * (self.head_dim ** -0.5), dim=-1)
        return self.out((att @ v).transpose(1, 2).reshape(b, t, self.heads * self.head_dim))


class EncoderLayer(nn.Module):
    """Post-norm like nn.TransformerEncoderLayer, with GELU in the feed-forward block."""

    def __init__(self, d_model: int, heads: int, d_ff: int):
        super().__init__()
        self.attn = SelfAttention(d_model, heads)
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, d_ff), nn.GELU(), nn.Linear(d_ff, d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.attn(x))
        return self.norm2(x + self.ff(x))


def _export(module: nn.Module, example: torch.Tensor, path: Path, dynamic_axes: dict) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings
        torch.onnx.export(module.eval(), (example,), str(path), dynamo=False, opset_version=17,
                          input_names=["x"], output_names=["y"], dynamic_axes=dynamic_axes)
    return path


def export_mlp(path: Path, d_in: int = 16, hidden: int = 64, d_out: int = 4, seed: int = 0) -> Path:
    """Linear-ReLU-Linear-GELU-Linear-Softmax with a dynamic batch axis."""
    torch.manual_seed(seed)
    mlp = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden // 2), nn.GELU(),
                        nn.Linear(hidden // 2, d_out), nn.Softmax(dim=-1))
    return _export(mlp, torch.randn(2, d_in), path, {"x": {0: "batch"}, "y": {0: "batch"}})


def export_encoder(path: Path, d_model: int = 32, heads: int = 4, d_ff: int = 64, layers: int = 2,
                   seed: int = 0) -> Path:
    torch.manual_seed(seed)
    enc = nn.Sequential(*[EncoderLayer(d_model, heads, d_ff) for _ in range(layers)])
    return _export(enc, torch.randn(2, 8, d_model), path,
                   {"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}})
