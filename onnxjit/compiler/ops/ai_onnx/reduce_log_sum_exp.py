"""ReduceLogSumExp: log(sum(exp(x))) over the given axes, shifted by the max for stability."""
import numpy as np

from onnxjit.compiler.ops.ai_onnx._reduce_common import ReduceAxesInput, ReduceBase
from onnxjit.compiler.ops.registry import register


class _LogSumExp(ReduceBase):
    combine = None  # two passes (max, then sum of shifted exps): no single-pass scalar form

    def compute(self, data: np.ndarray, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
        finite = np.where(np.isinf(data), -np.inf, data)
        peak = np.max(finite, axis=axes, keepdims=True)
        peak = np.where(np.isneginf(peak), 0, peak).astype(data.dtype)
        total = np.sum(np.exp(data - peak), axis=axes, keepdims=True, dtype=data.dtype)
        out = np.log(total) + peak
        return out if keepdims else np.squeeze(out, axis=axes)

    def empty_value(self, dtype: np.dtype) -> object:
        return -np.inf


@register("ReduceLogSumExp", since=1)
class ReduceLogSumExp(_LogSumExp):
    """Axes as an attribute."""


@register("ReduceLogSumExp", since=18)
class ReduceLogSumExp18(ReduceAxesInput, _LogSumExp):
    """Axes as an optional input; noop_with_empty_axes."""
