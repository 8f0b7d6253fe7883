"""RotaryEmbedding: rotate (pairs of) the first rotary_embedding_dim features of each head by cos/sin."""
import numpy as np

from onnxjit.compiler.ops.registry import OpDef, register


@register("RotaryEmbedding", since=23)
class RotaryEmbedding(OpDef):
    """X is (batch, heads, seq, size) or (batch, seq, heads*size) with num_heads; halves or interleaved pairs."""

    attrs = {"interleaved": 0, "num_heads": None, "rotary_embedding_dim": 0}

    def reference(self, x: np.ndarray, cos: np.ndarray, sin: np.ndarray,
                  position_ids: np.ndarray | None = None) -> np.ndarray:
        if x.ndim == 4:
            t = x.transpose(0, 2, 1, 3)  # -> (batch, seq, heads, size)
        else:
            t = x.reshape(x.shape[0], x.shape[1], int(self.a.num_heads), -1)
        dim = int(self.a.rotary_embedding_dim) or t.shape[3]
        if position_ids is not None:
            cos, sin = cos[position_ids], sin[position_ids]  # -> (batch, seq, dim/2)
        cos, sin = cos[..., None, :], sin[..., None, :]  # broadcast over heads
        rot = t[..., :dim]
        if self.a.interleaved:
            x1, x2 = rot[..., 0::2], rot[..., 1::2]
        else:
            x1, x2 = rot[..., : dim // 2], rot[..., dim // 2:]
        real = cos * x1 - sin * x2
        imag = sin * x1 + cos * x2
        if self.a.interleaved:
            rotated = np.stack((real, imag), axis=-1).reshape(rot.shape)
        else:
            rotated = np.concatenate((real, imag), axis=-1)
        out = np.concatenate((rotated.astype(x.dtype), t[..., dim:]), axis=-1)
        return out.transpose(0, 2, 1, 3) if x.ndim == 4 else out.reshape(x.shape)
