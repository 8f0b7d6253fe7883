"""API parity with the installed onnxruntime: every public name, walked (test_public_names.py)."""
