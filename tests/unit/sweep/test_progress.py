"""Progress bars: silent off a terminal (tests, pipes, CI), counting when drawn."""

from __future__ import annotations

import pytest

from sim.progress import progress_bar


def test_a_bar_off_a_terminal_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_bar("sweep", 10) as bar:
        bar.total(20)
        bar.advance(5)
    assert bar.progress is None
    assert capsys.readouterr() == ("", "")


def test_an_enabled_bar_counts_work_and_takes_its_total_late() -> None:
    with progress_bar("sweep", None, enabled=True) as bar:
        bar.total(8)
        bar.advance(3)
        bar.advance(2)
        assert bar.progress is not None
        assert bar.task is not None
        task = bar.progress.tasks[0]
        assert (task.completed, task.total) == (5, 8)
