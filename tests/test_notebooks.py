"""The notebooks in notebooks/ run top to bottom (nbclient, a fresh Python kernel each) on the small
models they build themselves, and are committed with their outputs stripped.

Each notebook asserts what it shows (results equal onnxruntime's, a moved artifact compiles nothing,
...), so a notebook that runs is a notebook whose claims hold. The kernel inherits this run's
environment, ONNXJIT_CACHE_DIR included (conftest.py): the notebooks share the run's compile cache.
"""
from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebooks' tests need nbformat (the test extra)")
nbclient = pytest.importorskip("nbclient", reason="the notebooks' tests need nbclient (the test extra)")

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
EXPECTED = {"01_quickstart.ipynb", "02_fusion_research.ipynb", "03_aot_deployment.ipynb"}


def test_the_readme_notebooks_exist():
    assert {p.name for p in NOTEBOOKS} == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_are_stripped(path: Path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs; strip them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, tmp_path: Path):
    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, when a cell fails
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    ran = [c for c in nb.cells if c.cell_type == "code"]
    assert ran and all(c.execution_count for c in ran), "every code cell ran"
