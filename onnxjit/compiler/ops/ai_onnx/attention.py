"""Attention (opset 23+): softmax(Q K^T * scale + bias) V with GQA, masks, causal/window, softcap, KV cache.

Semantics follow the ONNX spec and its reference: Q/K/V may be 3-D (batch, seq, heads*head_size,
with q_num_heads/kv_num_heads) or 4-D (batch, heads, seq, head_size); `scale` (default
1/sqrt(head_size)) is applied as sqrt(scale) to both Q and K; past_key/past_value are concatenated
in front of K/V and returned as present_key/present_value; nonpad_kv_seqlen (opset 24) marks an
external cache's valid length; left/right_window_size (opset 25) restrict keys to a band. Causal
and window masks are bottom-right aligned (offset by the cached length). A query row with no
attendable key yields zeros. qk_matmul_output_mode picks the 4th output: 0/1 the (soft-capped)
Q K^T, 2 that plus the bias, 3 the softmax probabilities.
"""
from __future__ import annotations

import numpy as np

from onnxjit.compiler.dtypes import to_numpy_dtype
from onnxjit.compiler.ops.registry import Fusion, OpDef, register


def _to_4d(x: np.ndarray, heads: int) -> np.ndarray:
    """(batch, seq, heads*size) -> (batch, heads, seq, size)."""
    b, s, hidden = x.shape
    return x.reshape(b, s, heads, hidden // heads).transpose(0, 2, 1, 3)


def _band(base: np.ndarray, offset, allowed_fn) -> np.ndarray:
    """base + (0 where allowed_fn(query position, key) else -inf); offset is a scalar or per batch."""
    q_len, kv_len = base.shape[-2:]
    i = np.arange(q_len).reshape(q_len, 1)
    j = np.arange(kv_len).reshape(1, kv_len)
    per_batch = np.ndim(offset) > 0
    pos = i + (np.reshape(offset, (-1, 1, 1)) if per_batch else int(offset))
    bias = np.where(allowed_fn(pos, j), base.dtype.type(0), base.dtype.type(-np.inf))
    if per_batch:
        bias = bias.reshape(bias.shape[0], 1, q_len, kv_len)
    return base + bias


def _safe_softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis; an all -inf row gives zeros instead of NaN."""
    peak = np.max(x, axis=-1, keepdims=True)
    zero, one = np.zeros((), dtype=x.dtype), np.ones((), dtype=x.dtype)
    e = np.exp(x - np.where(np.isneginf(peak), zero, peak))
    total = np.sum(e, axis=-1, keepdims=True)
    return e / np.where(total == zero, one, total)


@register("Attention", since=23)
class Attention(OpDef):
    fusion = Fusion.TEMPLATE
    attrs = {"is_causal": 0, "kv_num_heads": None, "q_num_heads": None, "qk_matmul_output_mode": 0,
             "scale": None, "softcap": 0.0, "softmax_precision": None,
             "left_window_size": -1, "right_window_size": -1}

    def reference(self, q, k, v, attn_mask=None, past_key=None, past_value=None, nonpad_kv_seqlen=None):
        a = self.a
        three_d = q.ndim == 3
        if three_d:
            q, k, v = _to_4d(q, a.q_num_heads), _to_4d(k, a.kv_num_heads), _to_4d(v, a.kv_num_heads)
        dtype = q.dtype
        scale = a.scale if a.scale is not None else 1 / np.sqrt(q.shape[3])
        root_scale = dtype.type(np.sqrt(scale))
        if past_key is not None:
            k = np.concatenate((past_key, k), axis=2)
        if past_value is not None:
            v = np.concatenate((past_value, v), axis=2)
        present_key, present_value = k, v

        bias = self._bias(q.shape[2], k.shape[2], dtype, attn_mask, past_key, nonpad_kv_seqlen)
        if q.shape[1] != k.shape[1] and q.shape[1] % k.shape[1] == 0:  # grouped-query attention
            reps = q.shape[1] // k.shape[1]
            k, v = np.repeat(k, reps, axis=1), np.repeat(v, reps, axis=1)

        qk = np.matmul(q * root_scale, np.swapaxes(k, 2, 3) * root_scale).astype(dtype, copy=False)
        if a.softcap and a.softcap > 0:
            qk = np.tanh(qk / a.softcap) * a.softcap
        scores = qk + bias
        qk_out = scores if a.qk_matmul_output_mode == 2 else qk
        if a.softmax_precision is not None:
            scores = scores.astype(to_numpy_dtype(a.softmax_precision))
        probs = _safe_softmax(scores)
        no_key = np.isneginf(np.max(bias, axis=-1, keepdims=True))
        probs = np.where(no_key, np.zeros((), dtype=probs.dtype), probs)
        if a.qk_matmul_output_mode == 3:
            qk_out = probs
        y = np.matmul(probs.astype(dtype), v).astype(dtype, copy=False)
        if three_d:
            y = y.transpose(0, 2, 1, 3).reshape(y.shape[0], y.shape[2], -1)
        return y, present_key, present_value, qk_out.astype(dtype)

    def _bias(self, q_len, kv_len, dtype, mask, past_key, nonpad):
        """The additive (q_len, kv_len)-broadcastable bias of the mask, causal/window bands and padding."""
        a = self.a
        windowed = a.left_window_size >= 0 or a.right_window_size >= 0
        if mask is not None and mask.shape[-1] < kv_len:  # a short mask is padded as "masked"
            pad = [(0, 0)] * (mask.ndim - 1) + [(0, kv_len - mask.shape[-1])]
            mask = np.pad(mask, pad, constant_values=False if mask.dtype == np.bool_ else -np.inf)
        if mask is not None and mask.dtype == np.bool_:
            mask = np.where(mask, dtype.type(0), dtype.type(-np.inf))
        if past_key is None and nonpad is not None:
            offset = nonpad.reshape(-1) - q_len  # external cache: per-batch frontier
        else:
            offset = past_key.shape[2] if past_key is not None else 0
        bias = np.zeros((q_len, kv_len), dtype=dtype)
        if a.is_causal:
            base = bias if mask is None else mask.copy()
            if windowed:
                base = np.zeros((q_len, kv_len), dtype=dtype) + base
            bias = _band(base, offset, lambda p, j: j <= p)
        elif mask is not None:
            bias = bias + mask
        if windowed:
            left, right = a.left_window_size, a.right_window_size
            bias = np.zeros((q_len, kv_len), dtype=dtype) + bias
            bias = _band(bias, offset, lambda p, j: ((p - j <= left) if left >= 0 else True)
                         & ((j - p <= right) if right >= 0 else True))
        if nonpad is not None:
            valid = np.arange(kv_len) < nonpad.reshape(-1, 1)
            bias = bias + np.where(valid, 0, -np.inf).astype(bias.dtype).reshape(-1, 1, 1, kv_len)
        return bias
