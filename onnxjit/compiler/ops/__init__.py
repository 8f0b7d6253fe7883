"""Op definitions, one file per ONNX op, grouped by domain package."""
