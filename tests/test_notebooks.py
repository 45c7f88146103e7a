"""The notebooks: stored without outputs, and each runs top to bottom in a real Jupyter kernel."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is in the test extra")
nbclient = pytest.importorskip("nbclient", reason="nbclient is in the test extra")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: nbclient's limit on one cell (a hung kernel fails the test rather than CI's clock).
BUDGET = 60


def test_the_three_notebooks_exist() -> None:
    """The quickstart, audit and networkx notebooks are there (and nothing is silently skipped)."""
    assert [p.name for p in NOTEBOOKS] == ["01-quickstart.ipynb", "02-district-audit.ipynb",
                                           "03-networkx.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    """No outputs or execution counts are committed (they would leak data and churn diffs)."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Executed by nbclient in a python3 kernel at the repo root: no error, plots displayed."""
    # the kernel imports this checkout's rostergraph, installed or not
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the kernel's inline backend shows figures
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=BUDGET,
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()  # raises CellExecutionError with the failing cell on any error
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    plot_cells = [c for c in nb.cells if c.cell_type == "code" and "plot." in c.source]
    assert plot_cells and len(images) >= len(plot_cells)
    # a rostergraph object rendered itself as HTML (Table/RosterGraph/Report _repr_html_)
    assert any("text/html" in o.get("data", {}) for o in outputs)
