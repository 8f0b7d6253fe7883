"""Code generators: they print primitives and plan steps, never ONNX ops."""
