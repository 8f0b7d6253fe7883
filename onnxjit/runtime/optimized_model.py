"""`SessionOptions.optimized_model_filepath`: write the model as the graph passes left it.

As onnxruntime does: an ONNX file that loads anywhere (onnxruntime included); initializers inline,
or, when the session config entry 'session.optimized_model_external_initializers_file_name' names a
file, those of at least 'session.optimized_model_external_initializers_min_size_in_bytes' (default
1024) in that file, next to the model. onnxruntime's own ORT format ('.ort', or the config entry
'session.save_model_format' = 'ORT') is a flatbuffer of its kernels' layout: not written.
"""
from __future__ import annotations

import os
from pathlib import Path

import onnx

from onnxjit.compiler.ir import Model
from onnxjit.compiler.writer import model_to_proto
from onnxjit.errors import InvalidArgument, NotImplemented as OrtNotImplemented

EXTERNAL_FILE_KEY = "session.optimized_model_external_initializers_file_name"
EXTERNAL_MIN_SIZE_KEY = "session.optimized_model_external_initializers_min_size_in_bytes"
SAVE_FORMAT_KEY = "session.save_model_format"


def save_optimized_model(model: Model, path: str | os.PathLike, config: dict[str, str]) -> None:
    """Write `model` to `path`; InvalidArgument when it cannot be written there."""
    target = Path(path)
    if target.suffix.lower() == ".ort" or config.get(SAVE_FORMAT_KEY) == "ORT":
        raise OrtNotImplemented(f"optimized_model_filepath {str(target)!r}: onnxjit writes ONNX models only, "
                                "not onnxruntime's ORT format")
    proto = model_to_proto(model)
    external = config.get(EXTERNAL_FILE_KEY, "")
    try:
        min_size = int(config.get(EXTERNAL_MIN_SIZE_KEY, "1024"))
    except ValueError as exc:
        raise InvalidArgument(f"{EXTERNAL_MIN_SIZE_KEY} must be an integer, "
                              f"got {config[EXTERNAL_MIN_SIZE_KEY]!r}") from exc
    if not target.parent.is_dir():
        raise InvalidArgument(f"cannot write the optimized model to {str(target)!r}: "
                              f"no directory {str(target.parent)!r}")
    try:
        if external:
            if Path(external).is_absolute() or ".." in Path(external).parts:
                raise InvalidArgument(f"{EXTERNAL_FILE_KEY} must name a file beside the model, got {external!r}")
            data = target.parent / external
            if data.exists():  # onnx appends to an existing data file; start it afresh
                data.unlink()
            onnx.save_model(proto, str(target), save_as_external_data=True, all_tensors_to_one_file=True,
                            location=external, size_threshold=min_size, convert_attribute=False)
        else:
            onnx.save_model(proto, str(target))
    except OSError as exc:
        raise InvalidArgument(f"cannot write the optimized model to {str(target)!r}: {exc}") from exc
    except ValueError as exc:  # over protobuf's 2 GB without external data
        raise InvalidArgument(f"cannot write the optimized model to {str(target)!r}: {exc}; "
                              f"name a file for its initializers with the config entry {EXTERNAL_FILE_KEY}") from exc
