"""SessionOptions, RunOptions and the enums, shaped like onnxruntime's."""
from __future__ import annotations

import enum
from typing import Any

import numpy as np

from onnxjit.errors import OrtRuntimeError


class GraphOptimizationLevel(enum.IntEnum):
    ORT_DISABLE_ALL = 0
    ORT_ENABLE_BASIC = 1
    ORT_ENABLE_EXTENDED = 2
    ORT_ENABLE_LAYOUT = 3
    ORT_ENABLE_ALL = 99


class ExecutionMode(enum.IntEnum):
    ORT_SEQUENTIAL = 0
    ORT_PARALLEL = 1


class ExecutionOrder(enum.IntEnum):
    DEFAULT = 0
    PRIORITY_BASED = 1
    MEMORY_EFFICIENT = 2


class OrtAllocatorType(enum.IntEnum):
    INVALID = -1
    ORT_DEVICE_ALLOCATOR = 0
    ORT_ARENA_ALLOCATOR = 1


class OrtMemType(enum.IntEnum):
    CPU_INPUT = -2
    CPU_OUTPUT = -1
    CPU = -1
    DEFAULT = 0


class OrtSparseFormat(enum.IntEnum):
    ORT_SPARSE_UNDEFINED = 0
    ORT_SPARSE_COO = 1
    ORT_SPARSE_CSRC = 2
    ORT_SPARSE_BLOCK_SPARSE = 4


class SessionOptions:
    """Options for a session. Unknown config keys are kept, as onnxruntime does."""

    def __init__(self) -> None:
        self.graph_optimization_level = GraphOptimizationLevel.ORT_ENABLE_ALL
        self.intra_op_num_threads = 0
        self.inter_op_num_threads = 0
        self.execution_mode = ExecutionMode.ORT_SEQUENTIAL
        self.execution_order = ExecutionOrder.DEFAULT
        self.enable_profiling = False
        self.profile_file_prefix = "onnxruntime_profile_"
        self.log_severity_level = 2
        self.log_verbosity_level = 0
        self.logid = ""
        self.optimized_model_filepath = ""
        self.enable_cpu_mem_arena = True
        self.enable_mem_pattern = True
        self.enable_mem_reuse = True
        self.use_deterministic_compute = False
        self._config: dict[str, str] = {}
        self._free_dim_by_name: dict[str, int] = {}
        self._free_dim_by_denotation: dict[str, int] = {}
        self._initializers: dict[str, Any] = {}

    def add_session_config_entry(self, key: str, value: str) -> None:
        _check_config_entry("add_session_config_entry", key, value)
        self._config[key] = value

    def get_session_config_entry(self, key: str) -> str:
        _check_config_entry("get_session_config_entry", key)
        if key not in self._config:
            raise OrtRuntimeError(f"SessionOptions does not have configuration with key: {key}")
        return self._config[key]

    def add_free_dimension_override_by_name(self, name: str, value: int) -> None:
        self._free_dim_by_name[name] = int(value)

    def add_free_dimension_override_by_denotation(self, denotation: str, value: int) -> None:
        self._free_dim_by_denotation[denotation] = int(value)

    def add_initializer(self, name: str, value: Any) -> None:
        arr = value.numpy() if hasattr(value, "numpy") and not isinstance(value, np.ndarray) else value
        self._initializers[name] = np.asarray(arr)

    def add_external_initializers(self, names: list[str], values: list[Any]) -> None:
        for n, v in zip(names, values):
            self.add_initializer(n, v)

    def register_custom_ops_library(self, path: str) -> None:
        from onnxjit.errors import NotImplemented as OrtNotImplemented

        raise OrtNotImplemented("custom op libraries are native onnxruntime plugins; onnxjit cannot load them")

    def _copy(self) -> "SessionOptions":
        """A copy whose later changes do not reach this one (a session keeps one, as onnxruntime's
        does): attributes copied, their dicts and lists copied one level deep (values shared)."""
        twin = object.__new__(type(self))
        twin.__dict__.update({k: (type(v)(v) if type(v) in (dict, list) else v) for k, v in self.__dict__.items()})
        return twin


class RunOptions:
    def __init__(self) -> None:
        self.log_severity_level = 2
        self.log_verbosity_level = 0
        self.logid = ""
        self.run_tag = ""
        self.terminate = False
        self.only_execute_path_to_fetches = False
        self._config: dict[str, str] = {}

    def add_run_config_entry(self, key: str, value: str) -> None:
        _check_config_entry("add_run_config_entry", key, value)
        self._config[key] = value

    def get_run_config_entry(self, key: str) -> str:
        _check_config_entry("get_run_config_entry", key)
        if key not in self._config:
            raise OrtRuntimeError(f"RunOptions does not have configuration with key: {key}")
        return self._config[key]


MAX_CONFIG_KEY_LENGTH = 1024  # onnxruntime's limit (config_options.cc); values have none


def _check_config_entry(method: str, key: Any, *value: Any) -> None:
    """Refuse what onnxruntime refuses: a key or value that is not a str (TypeError, as its binding
    does), a key that is empty or longer than 1024 characters (RuntimeError)."""
    for arg in (key, *value):
        if not isinstance(arg, str):
            raise TypeError(f"{method}(): incompatible function arguments: expected str, got {type(arg).__name__}")
    if value and not 0 < len(key) <= MAX_CONFIG_KEY_LENGTH:
        raise OrtRuntimeError(f"Config key is empty or longer than maximum length {MAX_CONFIG_KEY_LENGTH}")
