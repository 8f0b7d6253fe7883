"""Shape and dtype inference: onnx's own inference, results kept as the graph's value_info."""
from __future__ import annotations

import onnx
from onnx import ModelProto


def infer_shapes(proto: ModelProto) -> ModelProto:
    """Best-effort inference with data propagation; a model onnx cannot infer is returned as it is."""
    try:
        return onnx.shape_inference.infer_shapes(proto, check_type=False, strict_mode=False, data_prop=True)
    except Exception:  # noqa: BLE001 - inference is advisory; the runtime checks real shapes
        return proto
