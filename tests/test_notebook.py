"""docs/python_api.ipynb runs, cell by cell, in a fresh kernel (docs that are tested)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow   # starts a Jupyter kernel

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "python_api.ipynb"


def test_the_python_api_notebook_runs_without_error(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = "".join(o.get("data", {}).get("text/plain", "") for o in outputs if o.output_type == "execute_result")
    assert "RunResult('inf_2018', runs=200" in shown
    assert any("image/png" in o.get("data", {}) for o in outputs), "the figure cell shows a figure"
    for cell in nb.cells:
        if cell.cell_type == "code":          # each figure once
            assert sum("image/png" in o.get("data", {}) for o in cell.outputs) <= 1, cell.source
    assert list(tmp_path.iterdir()) == []      # nothing written unless asked
