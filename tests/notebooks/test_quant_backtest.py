"""notebooks/quant_backtest.ipynb runs top to bottom on a short slice and prints its tables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "quant_backtest.ipynb"


def _text(cell: Any) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output["text"])
        elif output.get("output_type") in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


@pytest.mark.slow
def test_the_quant_notebook_runs_and_measures_latency_sensitivity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TICKTWIN_NOTEBOOK_DURATION", "2min")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute(env=dict(os.environ))
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert "events_written" in _text(code[1])
    assert "'fills'" in _text(code[2])
    assert "'net_pnl'" in _text(code[2])
    sensitivity = _text(code[4])
    assert "shape: (4, 3)" in sensitivity
    for latency in ("10us", "100us", "1ms", "10ms"):
        assert f"│ {latency} " in sensitivity
