"""GatherND: gather slices of `data` addressed by the last dim of `indices`, after `batch_dims` shared dims."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("GatherND", since=11)
class GatherND(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"batch_dims": 0}

    def reference(self, data: np.ndarray, indices: np.ndarray) -> np.ndarray:
        b = self.a.batch_dims
        batch_shape = data.shape[:b]
        batch = int(np.prod(batch_shape, dtype=np.int64))
        k = indices.shape[-1]
        flat_data = data.reshape((batch,) + data.shape[b:])
        flat_idx = indices.astype(np.int64).reshape((batch, -1, k))
        dims = np.array(data.shape[b:b + k], dtype=np.int64)
        flat_idx = np.where(flat_idx < 0, flat_idx + dims, flat_idx)
        batch_ix = np.arange(batch)[:, None]
        gathered = flat_data[(batch_ix,) + tuple(flat_idx[..., j] for j in range(k))]
        return np.ascontiguousarray(gathered.reshape(indices.shape[:-1] + data.shape[b + k:]))
