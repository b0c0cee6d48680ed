"""notebooks/quant_backtest.ipynb runs top to bottom on a short slice and prints its tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.notebooks.conftest import cell_text


@pytest.mark.slow
def test_the_quant_notebook_runs_and_measures_latency_sensitivity(
    monkeypatch: pytest.MonkeyPatch, run_notebook: Callable[[str], list[Any]],
) -> None:
    monkeypatch.setenv("TICKTWIN_NOTEBOOK_DURATION", "2min")
    code = run_notebook("quant_backtest.ipynb")
    assert "events_written" in cell_text(code[1], results=True)
    assert "'fills'" in cell_text(code[2], results=True)
    assert "'net_pnl'" in cell_text(code[2], results=True)
    sensitivity = cell_text(code[4], results=True)
    assert "shape: (4, 3)" in sensitivity
    for latency in ("10us", "100us", "1ms", "10ms"):
        assert f"│ {latency} " in sensitivity
