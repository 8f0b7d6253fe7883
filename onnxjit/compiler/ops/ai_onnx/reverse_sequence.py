"""ReverseSequence: reverse the first sequence_lens[i] steps of each batch entry along the time axis."""
import numpy as np

from onnxjit.compiler.ops.registry import Fusion, OpDef, register


@register("ReverseSequence", since=10)
class ReverseSequence(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"batch_axis": 1, "time_axis": 0}

    def reference(self, x: np.ndarray, sequence_lens: np.ndarray) -> np.ndarray:
        out = x.copy()
        index = [slice(None)] * x.ndim
        for i, length in enumerate(sequence_lens.reshape(-1)):
            index[self.a.batch_axis] = i
            index[self.a.time_axis] = slice(0, int(length))
            out[tuple(index)] = np.flip(x[tuple(index)], axis=self.a.time_axis - (self.a.time_axis > self.a.batch_axis))
        return out
