"""Every dashboard notebook runs on the sample, and is committed without outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from dashboards import home

DASHBOARDS = Path(__file__).resolve().parents[1] / "dashboards"
NOTEBOOKS = sorted(DASHBOARDS.glob("*.ipynb"))


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {"index.ipynb", "subjects.ipynb"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {number} has outputs: clear them"
            assert cell.execution_count is None, f"{path.name} cell {number} has a count"


#: Pages whose every part is one person's (built when they arrive), and what they
#: show until then.
WAITS_FOR_THE_VISITOR = {"manager.ipynb": "Opening the STEM Manager"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executes_on_the_sample(path, monkeypatch):
    monkeypatch.delenv("KS3_SURVEY_FILES", raising=False)
    monkeypatch.delenv("KS3_SURVEY_CODEBOOK", raising=False)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(DASHBOARDS)}}
    ).execute()
    text = "\n".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error" or o.get("name") == "stderr"
    ]
    assert not errors, f"{path.name} wrote errors: {errors}"
    assert "Traceback" not in text
    # the page's widgets were displayed, and say the sample was loaded, not a problem
    assert any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    models = nb.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"].values()
    shown = "\n".join(m["state"].get("value", "") for m in models if m["model_name"] == "HTMLModel")
    assert "could not be" not in shown, f"{path.name} shows a problem instead of the data"
    if path.name in WAITS_FOR_THE_VISITOR:
        # built per person when their browser arrives: nothing of theirs without one
        assert WAITS_FOR_THE_VISITOR[path.name] in shown
    else:
        assert "Showing the synthetic sample" in shown


def test_home_links_every_dashboard():
    linked = {notebook for notebook, _, _ in home.DASHBOARDS}
    assert linked == {p.name for p in NOTEBOOKS} - {"index.ipynb"}
    assert all((DASHBOARDS / notebook).exists() for notebook in linked)
