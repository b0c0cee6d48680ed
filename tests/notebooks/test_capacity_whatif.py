"""notebooks/capacity_whatif.ipynb runs top to bottom on a tiny grid and reads off a capacity."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "capacity_whatif.ipynb"


def _text(cell: Any) -> str:
    return "".join(output.get("text", "") for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream")


@pytest.mark.slow
def test_the_capacity_notebook_sweeps_and_reads_off_the_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TICKTWIN_NOTEBOOK_DURATION", "200ms")
    monkeypatch.setenv("TICKTWIN_NOTEBOOK_WORKERS", "1,2")
    monkeypatch.setenv("TICKTWIN_NOTEBOOK_MULTIPLIERS", "1,40")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute(env=dict(os.environ))
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    table = _text(code[0])
    assert "shape: (4, 6)" in table
    assert table.count(" ok ") == 4
    answer = _text(code[2])
    assert "max_multiplier" in answer
    # 40x the sample's flow (~400,000 requests/s) swamps one gateway: only 1x holds
    assert "capacity answer: p99 <= 150 us holds up to 1x the sample's volume" in answer
