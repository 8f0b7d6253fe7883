"""LinearAttention: recurrent linear attention (linear, gated, delta or gated-delta state updates).

State S (batch, kv_heads, d_k, d_v) evolves per step t: S *= exp(decay_t) when gated;
v_t <- beta_t * (v_t - S^T k_t) when delta; S += k_t v_t^T; output o_t = scale * q_t S (query heads
share their KV group's state). Computed in float32; returns (output, present_state).
"""
import numpy as np

from onnxjit.compiler.ops.registry import REQUIRED, OpDef, register


def _heads(x: np.ndarray, heads: int) -> np.ndarray:
    """(batch, seq, heads*size) -> (batch, heads, seq, size) in float32."""
    b, t, hd = x.shape
    return x.reshape(b, t, heads, hd // heads).transpose(0, 2, 1, 3).astype(np.float32)


@register("LinearAttention", since=27)
class LinearAttention(OpDef):
    attrs = {"chunk_size": 64, "kv_num_heads": REQUIRED, "q_num_heads": REQUIRED, "scale": 0.0,
             "update_rule": "gated_delta"}

    def reference(self, query, key, value, past_state=None, decay=None, beta=None):
        rule = self.a.update_rule
        rule = rule.decode() if isinstance(rule, bytes) else rule
        if rule not in ("linear", "gated", "delta", "gated_delta"):
            raise ValueError(f"unsupported update_rule {rule!r}")
        gated, delta = rule in ("gated", "gated_delta"), rule in ("delta", "gated_delta")
        if gated != (decay is not None) or delta != (beta is not None):
            raise ValueError(f"update_rule {rule!r} needs decay={gated} and beta={delta}")
        hq, hkv = int(self.a.q_num_heads), int(self.a.kv_num_heads)
        b, steps, _ = query.shape
        q, k, v = _heads(query, hq), _heads(key, hkv), _heads(value, hkv)
        d_k, d_v = q.shape[3], v.shape[3]
        if gated:
            g = decay.reshape(b, steps, hkv, -1).transpose(0, 2, 1, 3).astype(np.float32)  # (b, hkv, t, 1|d_k)
        if delta:
            bt = beta.reshape(b, steps, beta.shape[-1], 1).transpose(0, 2, 1, 3).astype(np.float32)
        state_dtype = past_state.dtype if past_state is not None else query.dtype
        state = (past_state.astype(np.float32) if past_state is not None
                 else np.zeros((b, hkv, d_k, d_v), dtype=np.float32))
        scale = float(self.a.scale) or 1.0 / np.sqrt(d_k)
        group = hq // hkv
        out = np.zeros((b, hq, steps, d_v), dtype=np.float32)
        for t in range(steps):
            k_t, v_t = k[:, :, t], v[:, :, t]
            if gated:
                state = state * np.exp(g[:, :, t])[..., None]
            if delta:
                v_t = bt[:, :, t] * (v_t - np.einsum("bhdm,bhd->bhm", state, k_t))
            state = state + k_t[..., :, None] * v_t[..., None, :]
            read = state if group == 1 else np.repeat(state, group, axis=1)
            out[:, :, t] = scale * np.einsum("bhd,bhdm->bhm", q[:, :, t], read)
        y = out.transpose(0, 2, 1, 3).reshape(b, steps, hq * d_v).astype(query.dtype)
        return y, state.astype(state_dtype)
