"""The onnxruntime-shaped surface: session, options, values, bindings."""
