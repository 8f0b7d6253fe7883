"""IOBinding: inputs and outputs bound to buffers (host or device) before a run, as in onnxruntime.

With the Triton provider, device inputs are read in place and outputs bound to device buffers are
written by the kernels directly; outputs bound to a device without a buffer stay on the device
(`get_outputs`) until `copy_outputs_to_cpu`. Other providers run on host copies.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from onnxjit.errors import InvalidArgument, OrtRuntimeError
from onnxjit.runtime.ortvalue import OrtValue, _device, placement


class IOBinding:
    def __init__(self, session: Any):
        self._session = session
        self._inputs: dict[str, OrtValue] = {}
        self._outputs: dict[str, OrtValue | None] = {}   # None: the session allocates on _devices[name]
        self._devices: dict[str, tuple[str, int]] = {}
        self._results: list[OrtValue] = []

    # --- inputs ---------------------------------------------------------------------------
    def bind_cpu_input(self, name: str, arr_on_cpu: Any) -> None:
        if name not in self._input_names():
            raise OrtRuntimeError(f"Failed to find NodeArg with name: {name} in the def list")
        self._inputs[name] = OrtValue.ortvalue_from_numpy(arr_on_cpu)

    def bind_input(self, name: str, device_type: str, device_id: int, element_type: Any, shape: Any,
                   buffer_ptr: int) -> None:
        self._check_input_name(name)
        self._inputs[name] = OrtValue.from_pointer(device_type, device_id, element_type, shape, buffer_ptr)

    def bind_ortvalue_input(self, name: str, ortvalue: OrtValue) -> None:
        self._check_input_name(name)
        self._inputs[name] = ortvalue

    def _input_names(self) -> set[str]:
        """The names an input may be bound to: the model's inputs and its overridable initializers."""
        s = self._session
        return {vi.name for vi in s._inputs} | {vi.name for vi in s._overridable}

    def _check_input_name(self, name: str) -> None:
        """An unknown input name is refused when bound, with onnxruntime's RuntimeError (an unknown
        output name is refused by run_with_iobinding, as onnxruntime does)."""
        if name not in self._input_names():
            raise OrtRuntimeError(f"Error when binding input: Failed to find input name in the mapping: {name}")

    # --- outputs --------------------------------------------------------------------------
    def bind_output(self, name: str, device_type: str = "cpu", device_id: int = 0, element_type: Any = None,
                    shape: Any = None, buffer_ptr: int | None = None) -> None:
        if buffer_ptr is not None:
            if element_type is None or shape is None:
                raise InvalidArgument(f"bind_output('{name}'): a buffer pointer needs element_type and shape")
            self._outputs[name] = OrtValue.from_pointer(device_type, device_id, element_type, shape, buffer_ptr)
            return
        device_type, device_id = placement(device_type, device_id)  # a name or an OrtDevice
        if device_type != "cpu":
            _device(device_type, device_id)  # fails now if there is no such device
        self._outputs[name] = None
        self._devices[name] = (device_type, device_id)

    def bind_ortvalue_output(self, name: str, ortvalue: OrtValue) -> None:
        self._outputs[name] = ortvalue

    # --- results --------------------------------------------------------------------------
    def get_outputs(self) -> list[OrtValue]:
        return list(self._results)

    def get_outputs_as_ortvaluevector(self) -> OrtValueVector:
        """The outputs of the last run as onnxruntime's OrtValueVector (a list of OrtValues)."""
        return OrtValueVector(self._results)

    def copy_outputs_to_cpu(self) -> list[np.ndarray]:
        return [np.array(v.numpy(), copy=True) for v in self._results]

    def synchronize_inputs(self) -> None:
        self._synchronize(self._inputs.values())

    def synchronize_outputs(self) -> None:
        self._synchronize([v for v in self._outputs.values() if v is not None] + self._results)

    @staticmethod
    def _synchronize(values: Any) -> None:
        for v in values:
            if v.device_tensor is not None:
                _device(v.device_name()).synchronize()
                return

    def clear_binding_inputs(self) -> None:
        self._inputs.clear()

    def clear_binding_outputs(self) -> None:
        self._outputs.clear()
        self._devices.clear()
        self._results = []


class SessionIOBinding(IOBinding):
    """onnxruntime's low-level binding (``onnxruntime.SessionIOBinding``, which its IOBinding wraps), with
    the capi signatures: inputs bound to an array or OrtValue, or to (OrtDevice, element type, shape,
    pointer); outputs bound to an OrtDevice, optionally with (element type, shape, pointer); `get_outputs`
    returns an OrtValueVector. Built on a session (onnxruntime code passes ``sess._sess``)."""

    def __init__(self, session: Any):
        super().__init__(getattr(session, "_sess", session))

    def bind_input(self, name: str, *args: Any) -> None:  # type: ignore[override]
        if len(args) == 1:
            value = args[0]
            if isinstance(value, OrtValue):
                self.bind_ortvalue_input(name, value)
            else:
                self.bind_cpu_input(name, value)
            return
        if len(args) != 4:
            raise TypeError("SessionIOBinding.bind_input(name, value) or (name, ort_device, element_type, shape, "
                            "buffer_ptr)")
        device, element_type, shape, buffer_ptr = args
        super().bind_input(name, device, 0, element_type, shape, buffer_ptr)

    def bind_output(self, name: str, ort_device: Any = "cpu", element_type: Any = None,  # type: ignore[override]
                    shape: Any = None, buffer_ptr: int | None = None) -> None:
        super().bind_output(name, ort_device, 0, element_type, shape, buffer_ptr)

    def get_outputs(self) -> OrtValueVector:  # type: ignore[override]
        return OrtValueVector(self._results)


class OrtValueVector(list):
    """onnxruntime's OrtValueVector: a list of OrtValues with its accessor names."""

    def push_back(self, value: Any) -> None:
        """Append an OrtValue, or a DLPack tensor / capsule (shared, not copied)."""
        self.append(value if isinstance(value, OrtValue) else OrtValue.from_dlpack(value))

    def reserve(self, n: int) -> None:
        """Nothing to reserve in a Python list."""

    def shrink_to_fit(self) -> None:
        """Nothing to shrink in a Python list."""

    def element_type_at(self, index: int) -> int:
        return self[index].element_type()

    def dlpack_at(self, index: int) -> Any:
        return self[index].__dlpack__()

    def to_dlpacks(self, to_tensor: Any = None) -> list[Any]:
        """A DLPack capsule per value, each passed through `to_tensor` (e.g. torch.from_dlpack) if given."""
        capsules = [v.__dlpack__() for v in self]
        return capsules if to_tensor is None else [to_tensor(c) for c in capsules]


def run_with_iobinding(session: Any, binding: IOBinding, feeds: dict[str, Any]) -> None:
    """Run `session` on validated feeds (numpy arrays or device tensors); results go to the bound
    outputs (all outputs on the host when none is bound), in binding order."""
    names = list(binding._outputs) or session._output_names
    executable = session._executable
    device_run = getattr(executable, "run_device", None)
    bound = {n: v.device_tensor for n, v in binding._outputs.items() if v is not None and v.device_tensor is not None}
    if device_run is not None:
        results = device_run(feeds, bound)
    else:
        host = {n: (OrtValue(v, "cuda").numpy() if not isinstance(v, np.ndarray) else v) for n, v in feeds.items()}
        results = dict(zip(session._output_names, session.run(None, host)))
    out = []
    for n in names:
        r = results[n]
        given = binding._outputs.get(n)
        on_device = not isinstance(r, np.ndarray)
        if given is not None:
            if given.device_tensor is not None:
                if not (on_device and given.device_tensor.data_ptr() == r.data_ptr()):
                    import torch

                    src = r if on_device else torch.from_numpy(np.ascontiguousarray(r))
                    given.device_tensor.copy_(src.reshape(given.device_tensor.shape))
            else:
                np.copyto(given.numpy(), OrtValue(r, "cuda").numpy() if on_device else r)
            out.append(given)
            continue
        device_type, device_id = binding._devices.get(n, ("cpu", 0))
        if device_type == "cpu":
            out.append(OrtValue(OrtValue(r, "cuda").numpy() if on_device else np.asarray(r)))
        else:
            out.append(OrtValue(r, device_type, device_id) if on_device else
                       OrtValue.ortvalue_from_numpy(r, device_type, device_id))
    binding._results = out
