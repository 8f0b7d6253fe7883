"""The README's usage example runs as written (on a light model shipped with onnx)."""
from __future__ import annotations

import re
from pathlib import Path

from tests.conformance.cases import light_models

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_usage_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python example"
    model = dict((n, p) for n, p, _ in light_models())["light_squeezenet"]
    code = blocks[0].replace('"model.onnx"', repr(str(model)))
    exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})  # noqa: S102 - our own README


def test_readme_names_the_two_setup_commands() -> None:
    text = README.read_text()
    assert "make run" in text and "make test" in text
