"""The command line: explain (--no-compile, --json, --why), one-line errors, a --help that imports
neither onnx nor numba. Run in-process through onnxjit.cli.main where possible."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import onnx
import pytest

from onnxjit.cli import main
from tests.test_plan_api import small_model

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("cli") / "small.onnx"
    onnx.save(small_model(), str(path))
    return str(path)


def test_explain_no_compile_prints_the_plan(model_path: str, capsys) -> None:
    assert main(["explain", model_path, "--no-compile", "--why"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("plan: 3 steps, 3 kernels")
    assert "te_matmul_mm" in out and "MatMul,Add,Relu,Neg,Exp" in out
    assert "why not fused: 3 nodes" in out and "Div 'div' -> el_div_div: different loop domain" in out


def test_explain_no_compile_json(model_path: str, capsys) -> None:
    assert main(["explain", model_path, "--no-compile", "--json", "--provider", "triton"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["summary"]["kernels"] == 3
    assert [s["name"] for s in data["steps"]] == ["te_matmul_mm", "re_reducesum_sum", "el_div_div"]
    assert {d["step"] for d in data["decisions"]} <= {s["name"] for s in data["steps"]}


def test_explain_no_compile_dot(model_path: str, capsys) -> None:
    assert main(["explain", model_path, "--no-compile", "--dot"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digraph plan {") and "] te_matmul_mm" in out and "s1 -> s2" in out


def test_explain_compiles_with_progress(model_path: str, capsys) -> None:
    assert main(["explain", model_path, "--why"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("plan: 3 steps") and "why not fused" in captured.out
    assert "compile [" in captured.err  # the progress bar (plain lines: stderr is not a terminal)


def _error(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    assert err.startswith(f"onnxjit {argv[0]}: error: "), err
    return err


def test_errors_are_one_line(model_path: str, tmp_path: Path, capsys) -> None:
    missing = str(tmp_path / "missing.onnx")
    assert "no such file: " + missing in _error(["explain", missing], capsys)
    assert "no such file" in _error(["explain", missing, "--no-compile"], capsys)
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"this is not a protobuf \xff\xfe")
    assert "not an ONNX model" in _error(["explain", str(junk), "--no-compile"], capsys)
    assert "not an ONNX model" in _error(["explain", str(junk)], capsys)
    err = _error(["explain", model_path, "--provider", "Nope"], capsys)
    assert "unknown provider 'Nope'" in err and "NumbaExecutionProvider" in err and "TritonExecutionProvider" in err
    assert "is a directory" in _error(["explain", str(tmp_path), "--no-compile"], capsys)
    assert "no light model named 'nope'" in _error(["demo", "--model", "nope"], capsys)


def test_traceback_on_request(tmp_path: Path, monkeypatch) -> None:
    import onnxjit

    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00\x01junk")
    with pytest.raises(onnxjit.InvalidProtobuf):
        main(["--traceback", "explain", str(junk), "--no-compile"])
    monkeypatch.setenv("ONNXJIT_TRACEBACK", "1")
    with pytest.raises(onnxjit.InvalidProtobuf):
        main(["explain", str(junk), "--no-compile"])


def test_help_imports_neither_onnx_nor_numba() -> None:
    """`onnxjit --help` stays fast: the CLI and the package import their heavy parts lazily."""
    code = textwrap.dedent("""
        import sys
        from onnxjit.cli import main
        for argv in (["--help"], ["explain", "--help"], ["demo", "--help"]):
            try:
                main(argv)
            except SystemExit as exc:
                assert exc.code == 0, exc.code
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("onnx", "numba", "ml_dtypes", "torch", "triton"))
        assert not heavy, heavy
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT,
                         env={**os.environ})
    assert out.returncode == 0, out.stderr
    assert "--no-compile" in out.stdout and "explain" in out.stdout


def test_package_names_stay_reachable_lazily() -> None:
    """The lazy package still answers every name it exports, and dir() lists them."""
    code = textwrap.dedent("""
        import sys, onnxjit
        assert "onnx" not in sys.modules
        from onnxjit import InferenceSession, SessionOptions, FusionPolicy, plan, KernelPlan
        assert {"InferenceSession", "plan", "FusionPolicy", "backend", "OrtValue"} <= set(dir(onnxjit))
        assert all(hasattr(onnxjit, n) for n in onnxjit.__all__)
        assert callable(onnxjit.backend.prepare)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stderr
