"""notebooks/capacity_whatif.ipynb runs top to bottom on a tiny grid and reads off a capacity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.notebooks.conftest import cell_text


@pytest.mark.slow
def test_the_capacity_notebook_sweeps_and_reads_off_the_answer(
    monkeypatch: pytest.MonkeyPatch, run_notebook: Callable[[str], list[Any]],
) -> None:
    monkeypatch.setenv("TICKTWIN_NOTEBOOK_DURATION", "200ms")
    monkeypatch.setenv("TICKTWIN_NOTEBOOK_WORKERS", "1,2")
    monkeypatch.setenv("TICKTWIN_NOTEBOOK_MULTIPLIERS", "1,40")
    code = run_notebook("capacity_whatif.ipynb")
    table = cell_text(code[0])
    assert "shape: (4, 6)" in table
    assert table.count(" ok ") == 4
    answer = cell_text(code[2])
    assert "max_multiplier" in answer
    # 40x the sample's flow (~400,000 requests/s) swamps one gateway: only 1x holds
    assert "capacity answer: p99 <= 150 us holds up to 1x the sample's volume" in answer
