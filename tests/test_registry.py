"""The op registry imports an op's file when the op is first looked up, not every op file at once."""
import json
import subprocess
import sys

from onnxjit.compiler.ops import registry

# In a fresh interpreter: look up the ops named in argv[1] (every opset 1..25) and report what was found,
# whether the registry had to fall back to importing every op module, and which op modules are imported.
_PROBE = r"""
import json, sys
from onnxjit.compiler.ops import registry as r
found = {f"{d}::{o}": [[c.__module__, c.__name__] for c in (r.lookup(d, o, v) for v in range(1, 26)) if c]
         for d, o in json.loads(sys.argv[1])}
mods = sorted(m for m in sys.modules if m.startswith("onnxjit.compiler.ops.") and not m.rsplit(".", 1)[1].startswith("_"))
print(json.dumps({"found": found, "fell_back": r._loaded, "modules": mods}))
"""


def _probe(ops: list[tuple[str, str]]) -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(ops)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_lazy_lookup_finds_every_op_as_the_full_import_does():
    everything = registry.registered()  # this process: every op module imported
    ops = sorted(everything)
    want = {f"{d}::{o}": [[c.__module__, c.__name__] for c in (registry.lookup(d, o, v) for v in range(1, 26)) if c]
            for d, o in ops}
    got = _probe(ops)
    assert got["found"] == want
    assert not got["fell_back"], "an op's file is not where the registry's index says"


def test_lookup_imports_only_the_op_asked_for():
    got = _probe([("", "Relu"), ("ai.onnx", "Conv")])
    assert not got["fell_back"]
    ops_packages = {"onnxjit.compiler.ops.ai_onnx", "onnxjit.compiler.ops.ai_onnx_ml",
                    "onnxjit.compiler.ops.ai_onnx_preview_training", "onnxjit.compiler.ops.com_microsoft",
                    "onnxjit.compiler.ops.registry"}
    assert set(got["modules"]) - ops_packages == {"onnxjit.compiler.ops.ai_onnx.relu", "onnxjit.compiler.ops.ai_onnx.conv"}


def test_unknown_op_falls_back_to_importing_everything():
    got = _probe([("", "NoSuchOp")])
    assert got["found"] == {"::NoSuchOp": []}
    assert got["fell_back"]
