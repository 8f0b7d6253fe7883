"""The ONNX backend API (onnx.backend.base) over InferenceSession."""
from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx.backend.base import Backend, BackendRep

from onnxjit.runtime.options import SessionOptions
from onnxjit.runtime.session import InferenceSession


class OnnxJitBackendRep(BackendRep):
    def __init__(self, session: InferenceSession):
        self.session = session

    def run(self, inputs: Any, **kwargs: Any) -> list[Any]:
        if isinstance(inputs, np.ndarray):
            inputs = [inputs]
        if isinstance(inputs, dict):
            feed = inputs
        else:
            names = [i.name for i in self.session.get_inputs()]
            feed = dict(zip(names, inputs))
        return self.session.run(None, feed)


class OnnxJitBackend(Backend):
    providers: list[str] | None = None

    @classmethod
    def is_compatible(cls, model: onnx.ModelProto, device: str = "CPU", **kwargs: Any) -> bool:
        return cls.supports_device(device)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        from onnxjit import get_device

        return device.upper() == "CPU" or device.upper() == get_device()

    @classmethod
    def prepare(cls, model: Any, device: str = "CPU", **kwargs: Any) -> OnnxJitBackendRep:
        options = SessionOptions()
        for k, v in kwargs.items():
            if hasattr(options, k):
                setattr(options, k, v)
        providers = kwargs.get("providers", cls.providers)
        if isinstance(model, OnnxJitBackendRep):
            return model
        if isinstance(model, InferenceSession):
            return OnnxJitBackendRep(model)
        return OnnxJitBackendRep(InferenceSession(model, options, providers=providers))

    @classmethod
    def run_model(cls, model: Any, inputs: Any, device: str = "CPU", **kwargs: Any) -> list[Any]:
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def run_node(cls, node: onnx.NodeProto, inputs: Any, device: str = "CPU", outputs_info: Any = None, **kwargs: Any):
        raise NotImplementedError("run_node is not supported; wrap the node in a model")


is_compatible = OnnxJitBackend.is_compatible
prepare = OnnxJitBackend.prepare
run = OnnxJitBackend.run_model
run_model = OnnxJitBackend.run_model
supports_device = OnnxJitBackend.supports_device
