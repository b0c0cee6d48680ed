"""Executing a notebook of notebooks/ with nbclient, and reading what its cells printed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def cell_text(cell: Any, results: bool = False) -> str:
    """What a code cell printed (and, with ``results``, its displayed values as text)."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output["text"])
        elif results and output.get("output_type") in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


@pytest.fixture
def run_notebook(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], list[Any]]:
    """Execute ``notebooks/<name>`` (Agg backend, the test's environment); its code cells."""
    monkeypatch.setenv("MPLBACKEND", "Agg")

    def run(name: str) -> list[Any]:
        path = NOTEBOOKS / name
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": str(NOTEBOOKS)}})
        client.execute(env=dict(os.environ))
        return [cell for cell in notebook.cells if cell.cell_type == "code"]

    return run
