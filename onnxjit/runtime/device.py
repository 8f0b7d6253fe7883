"""Devices and memory descriptions, shaped like onnxruntime's OrtDevice, OrtMemoryInfo and OrtArenaCfg.

onnxjit has one class where onnxruntime has two (the Python ``OrtDevice`` wrapper and the C++ one under
``capi``): the constructor takes the C++ arguments (``OrtDevice(device_type, mem_type, device_id)`` or
``OrtDevice(device_type, mem_type, vendor_id, device_id)``), ``OrtDevice.make(name, device_id)`` builds
one by name, and both sets of accessors are there. The values (device type codes, vendor ids, memory
names) are onnxruntime's.

Allocators: onnxjit's CPU memory comes from numpy and the Numba provider's own buffer arenas, GPU memory
from torch's caching allocator. ``create_and_register_allocator`` checks its arguments as onnxruntime does
and records them (``registered_allocators()``); it does not change how onnxjit allocates.
"""
from __future__ import annotations

import enum
from typing import Any, Mapping

from onnxjit.errors import OrtRuntimeError
from onnxjit.runtime.options import OrtAllocatorType, OrtMemType


class OrtDeviceVendorId(enum.IntEnum):
    """PCI vendor ids, as onnxruntime's OrtDevice::VendorIds."""

    NONE = 0x0000
    AMD = 0x1002
    NVIDIA = 0x10DE
    ARM = 0x13B5
    MICROSOFT = 0x1414
    HUAWEI = 0x19E5
    QUALCOMM = 0x5143
    INTEL = 0x8086


class OrtMemoryInfoDeviceType(enum.IntEnum):
    CPU = 0
    GPU = 1
    FPGA = 2
    NPU = 3


class OrtDeviceMemoryType(enum.IntEnum):
    DEFAULT = 0
    HOST_ACCESSIBLE = 5


# device type codes (OrtDevice::DeviceType); several names share a code, as in onnxruntime
_TYPE_CODES: dict[str, int] = {"cpu": 0, "cuda": 1, "gpu": 1, "dml": 4, "webgpu": 1, "fpga": 2, "npu": 3,
                               "cann": 3}
_LEGACY_DML = 4  # onnxruntime's old DML device type: a GPU of Microsoft's
# the vendor a bare alias implies (onnxruntime's get_vendor_id_for_device_type)
_ALIAS_VENDORS: dict[str, OrtDeviceVendorId] = {
    "cuda": OrtDeviceVendorId.NVIDIA, "dml": OrtDeviceVendorId.MICROSOFT, "cann": OrtDeviceVendorId.HUAWEI,
    "webgpu": OrtDeviceVendorId.NONE}


class OrtDevice:
    """A device: its type code (cpu 0, gpu 1, fpga 2, npu 3), memory type, vendor id and index."""

    def __init__(self, device_type: Any, mem_type: int = 0, vendor_or_id: int = 0, device_id: int | None = None):
        if isinstance(device_type, OrtDevice):  # onnxruntime's OrtDevice(c_device) wrapping form
            device_type, mem_type, vendor_or_id, device_id = (device_type._type, device_type._mem_type,
                                                               device_type._vendor_id, device_type._device_id)
        if device_id is None:  # the 3-argument form: (type, mem_type, device_id), vendor 0
            vendor_or_id, device_id = 0, vendor_or_id
        if int(device_type) == _LEGACY_DML:
            device_type, vendor_or_id = 1, OrtDeviceVendorId.MICROSOFT
        self._type = int(device_type)
        self._mem_type = int(mem_type)
        self._vendor_id = int(vendor_or_id)
        self._device_id = int(device_id)

    @staticmethod
    def make(ort_device_name: str, device_id: int, vendor_id: int = -1) -> OrtDevice:
        """The device named 'cpu', 'cuda', 'gpu', 'npu', 'dml', 'cann' or 'webgpu' (onnxruntime's names)."""
        name = str(ort_device_name)
        if name not in _TYPE_CODES or name == "fpga":
            raise OrtRuntimeError(f"Unsupported device type: {name}")
        if int(vendor_id) < 0:
            vendor_id = _ALIAS_VENDORS.get(name, 0)
        return OrtDevice(_TYPE_CODES[name], 0, int(vendor_id), int(device_id))

    # the device type codes and the default memory type, as onnxruntime's capi OrtDevice has them (a DML
    # device is made a GPU of Microsoft's)
    @staticmethod
    def cpu() -> int:
        return 0

    @staticmethod
    def cuda() -> int:
        return 1

    @staticmethod
    def gpu() -> int:
        return 1

    @staticmethod
    def dml() -> int:
        return _LEGACY_DML

    @staticmethod
    def webgpu() -> int:
        return 1

    @staticmethod
    def fpga() -> int:
        return 2

    @staticmethod
    def npu() -> int:
        return 3

    @staticmethod
    def cann() -> int:
        return 3

    @staticmethod
    def default_memory() -> int:
        return 0

    # accessors (onnxruntime's Python names, then its capi names)
    def device_id(self) -> int:
        return self._device_id

    def device_type(self) -> int:
        return self._type

    def device_vendor_id(self) -> int:
        return self._vendor_id

    def device_mem_type(self) -> int:
        return self._mem_type

    def vendor_id(self) -> int:
        return self._vendor_id

    def mem_type(self) -> int:
        return self._mem_type

    def _get_c_device(self) -> OrtDevice:
        return self

    @property
    def onnxjit_device_type(self) -> str:
        """'cpu' or 'cuda': where onnxjit keeps a value made for this device (onnxjit extension)."""
        return "cpu" if self._type == 0 or self._mem_type == OrtDeviceMemoryType.HOST_ACCESSIBLE else "cuda"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OrtDevice) and (self._type, self._mem_type, self._vendor_id, self._device_id) == \
            (other._type, other._mem_type, other._vendor_id, other._device_id)

    def __hash__(self) -> int:
        return hash((self._type, self._mem_type, self._vendor_id, self._device_id))

    def __repr__(self) -> str:
        return (f"OrtDevice(device_type={self._type}, mem_type={self._mem_type}, "
                f"vendor_id={self._vendor_id:#06x}, device_id={self._device_id})")


def device_from(device: Any, device_id: int = 0, vendor_id: int = -1) -> OrtDevice:
    """An OrtDevice from an OrtDevice or a device name ('cpu', 'cuda', ...)."""
    if isinstance(device, OrtDevice):
        return device
    if not isinstance(device, str):
        raise OrtRuntimeError(f"a device is a name such as 'cpu' or 'cuda', or an OrtDevice; got {device!r}")
    return OrtDevice.make(device.lower(), device_id, vendor_id)


# OrtMemoryInfo names onnxruntime's CreateMemoryInfo knows: (device type, memory type, vendor) and the
# name it keeps (it truncates two of them)
_MEMORY_NAMES: dict[str, tuple[int, OrtDeviceMemoryType, int, str]] = {
    "Cpu": (0, OrtDeviceMemoryType.DEFAULT, 0, "Cpu"),
    "Cuda": (1, OrtDeviceMemoryType.DEFAULT, OrtDeviceVendorId.NVIDIA, "Cuda"),
    "CudaPinned": (0, OrtDeviceMemoryType.HOST_ACCESSIBLE, OrtDeviceVendorId.NVIDIA, "CudaPinned"),
    "DML": (1, OrtDeviceMemoryType.DEFAULT, OrtDeviceVendorId.MICROSOFT, "DML"),
    "OpenVINO_GPU": (1, OrtDeviceMemoryType.DEFAULT, OrtDeviceVendorId.INTEL, "OpenVINO_GPU"),
    "QnnHtpShared": (0, OrtDeviceMemoryType.HOST_ACCESSIBLE, OrtDeviceVendorId.QUALCOMM, "QnnHtpShared"),
    "WebGPU_Buffer": (1, OrtDeviceMemoryType.DEFAULT, 0, "WebGPU_Buf"),
    "WebNN_Tensor": (1, OrtDeviceMemoryType.DEFAULT, 0, "WebNN_Ten"),
    "Hip": (1, OrtDeviceMemoryType.DEFAULT, OrtDeviceVendorId.AMD, "Hip"),
    "HipPinned": (0, OrtDeviceMemoryType.HOST_ACCESSIBLE, OrtDeviceVendorId.AMD, "HipPinned"),
}


class OrtMemoryInfo:
    """Where a value lives: a memory name, allocator type, device id and memory type (read-only)."""

    def __init__(self, name: str, allocator_type: OrtAllocatorType, device_id: int, mem_type: OrtMemType):
        known = _MEMORY_NAMES.get(name)
        if known is None:
            raise OrtRuntimeError("Specified device is not supported. Try CreateMemoryInfo_V2.")
        dev_type, dev_mem, vendor, shown = known
        if name == "Cpu":  # onnxruntime's CPU memory is device 0, whatever id is asked for
            device_id = 0
        self._init(shown, OrtAllocatorType(allocator_type), OrtDevice(dev_type, dev_mem, int(vendor), int(device_id)),
                   OrtMemType(mem_type))

    def _init(self, name: str, allocator_type: OrtAllocatorType, device: OrtDevice, mem_type: OrtMemType) -> None:
        self._name, self._allocator_type, self._device, self._mem_type = name, allocator_type, device, mem_type

    @staticmethod
    def create_v2(name: str, device_type: OrtMemoryInfoDeviceType, vendor_id: int, device_id: int,
                  device_mem_type: OrtDeviceMemoryType, alignment: int, allocator_type: OrtAllocatorType
                  ) -> OrtMemoryInfo:
        """Any name, for a device given by type and vendor (onnxruntime's CreateMemoryInfo_V2)."""
        info = OrtMemoryInfo.__new__(OrtMemoryInfo)
        info._init(str(name), OrtAllocatorType(allocator_type),
                   OrtDevice(int(device_type), int(OrtDeviceMemoryType(device_mem_type)), int(vendor_id),
                             int(device_id)), OrtMemType.DEFAULT)
        info._alignment = int(alignment)
        return info

    @property
    def name(self) -> str:
        return self._name

    @property
    def allocator_type(self) -> OrtAllocatorType:
        return self._allocator_type

    @property
    def device_id(self) -> int:
        return self._device.device_id()

    @property
    def mem_type(self) -> OrtMemType:
        return self._mem_type

    @property
    def device_mem_type(self) -> OrtDeviceMemoryType:
        return OrtDeviceMemoryType(self._device.mem_type())

    @property
    def device_vendor_id(self) -> int:
        return self._device.vendor_id()

    @property
    def device(self) -> OrtDevice:
        """The device this memory belongs to (onnxjit extension)."""
        return self._device

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OrtMemoryInfo) and (self._name, self._allocator_type, self._device, self._mem_type) \
            == (other._name, other._allocator_type, other._device, other._mem_type)

    def __hash__(self) -> int:
        return hash((self._name, self._allocator_type, self._device, self._mem_type))

    def __repr__(self) -> str:
        return (f"OrtMemoryInfo(name={self._name!r}, allocator_type={self._allocator_type.name}, "
                f"device_id={self.device_id}, mem_type={self._mem_type.name})")


def cpu_memory_info() -> OrtMemoryInfo:
    """The memory onnxruntime reports for values of its CPU provider (an arena allocator's)."""
    return OrtMemoryInfo("Cpu", OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, OrtMemType.DEFAULT)


def cuda_memory_info(device_id: int = 0) -> OrtMemoryInfo:
    return OrtMemoryInfo("Cuda", OrtAllocatorType.ORT_ARENA_ALLOCATOR, device_id, OrtMemType.DEFAULT)


_ARENA_KEYS = ("max_mem", "arena_extend_strategy", "initial_chunk_size_bytes", "max_dead_bytes_per_chunk",
               "initial_growth_chunk_size_bytes", "max_power_of_two_extend_bytes")


class OrtArenaCfg:
    """Arena settings: ``OrtArenaCfg(max_mem, arena_extend_strategy, initial_chunk_size_bytes,
    max_dead_bytes_per_chunk)`` or ``OrtArenaCfg({key: value})``; unset entries are -1 (the default)."""

    def __init__(self, *args: Any):
        self.max_mem = 0
        self.arena_extend_strategy = -1
        self.initial_chunk_size_bytes = -1
        self.max_dead_bytes_per_chunk = -1
        self.initial_growth_chunk_size_bytes = -1
        self.max_power_of_two_extend_bytes = -1
        if len(args) == 1 and isinstance(args[0], Mapping):
            for key, value in args[0].items():
                if key not in _ARENA_KEYS:
                    raise OrtRuntimeError(f"Invalid OrtArenaCfg option: {key}")
                setattr(self, key, int(value))
        elif len(args) == 4:
            (self.max_mem, self.arena_extend_strategy, self.initial_chunk_size_bytes,
             self.max_dead_bytes_per_chunk) = (int(a) for a in args)
        else:
            raise TypeError("OrtArenaCfg takes (max_mem, arena_extend_strategy, initial_chunk_size_bytes, "
                            "max_dead_bytes_per_chunk) or a dict of those and initial_growth_chunk_size_bytes, "
                            "max_power_of_two_extend_bytes")

    def __repr__(self) -> str:
        return "OrtArenaCfg(" + ", ".join(f"{k}={getattr(self, k)}" for k in _ARENA_KEYS) + ")"


_registered: list[tuple[str, OrtMemoryInfo, dict[str, str], OrtArenaCfg | None]] = []


def create_and_register_allocator(mem_info: OrtMemoryInfo, arena_cfg: OrtArenaCfg | None) -> None:
    """Accepted and recorded for API parity; onnxjit's CPU arenas are its own (see the module docstring)."""
    _check_allocator_args(mem_info, arena_cfg)
    if mem_info.device.device_type() != 0:
        raise OrtRuntimeError("Error when creating and registering allocator: Only CPU devices are supported. "
                              "Please call CreateAndRegisterAllocatorV2() for other device.")
    _registered.append(("", mem_info, {}, arena_cfg))


def create_and_register_allocator_v2(provider_type: str, mem_info: OrtMemoryInfo, options: Mapping[str, str],
                                     arena_cfg: OrtArenaCfg | None) -> None:
    """Accepted and recorded for API parity; onnxjit's allocators are its own (see the module docstring)."""
    _check_allocator_args(mem_info, arena_cfg)
    _registered.append((str(provider_type), mem_info, {str(k): str(v) for k, v in dict(options).items()}, arena_cfg))


def _check_allocator_args(mem_info: Any, arena_cfg: Any) -> None:
    if not isinstance(mem_info, OrtMemoryInfo):
        raise TypeError(f"mem_info must be an OrtMemoryInfo, got {type(mem_info).__name__}")
    if arena_cfg is not None and not isinstance(arena_cfg, OrtArenaCfg):
        raise TypeError(f"arena_cfg must be an OrtArenaCfg, got {type(arena_cfg).__name__}")


def registered_allocators() -> list[tuple[str, OrtMemoryInfo, dict[str, str], OrtArenaCfg | None]]:
    """What create_and_register_allocator(_v2) recorded: (provider, memory info, options, arena config)."""
    return list(_registered)


def has_collective_ops() -> bool:
    """onnxjit has no collective (multi-device communication) ops, as an onnxruntime build without MPI."""
    return False
