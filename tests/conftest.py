"""Test-wide settings: one compile cache shared by every xdist worker of the run."""
import os
from pathlib import Path

os.environ.setdefault("ONNXJIT_CACHE_DIR", str(Path(__file__).resolve().parent.parent / ".onnxjit_cache"))
