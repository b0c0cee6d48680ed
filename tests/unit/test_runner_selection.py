"""A symbol filter, offset or window that selects nothing is refused before the run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.data.reader import inspect_source
from sim.errors import ScenarioError
from sim.runner import inspect_inputs
from sim.scenario import load_scenario
from sim.units import format_ns


def refusal(path: Path, *overrides: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        inspect_inputs(load_scenario(path, overrides))
    return str(caught.value)


def span(ticks: Path) -> int:
    info = inspect_source(ticks)
    return info.last_ts_ns - info.first_ts_ns


def test_a_symbol_no_source_has_is_refused(make_scenario: Any) -> None:
    path = make_scenario('symbols = ["AA", "NOPE"]\n')
    assert refusal(path) == (
        f"{path}: data.symbols: 'NOPE' is in no source; the data holds AA, BB; use those or "
        "leave data.symbols out for all"
    )


def test_an_offset_past_the_end_is_refused(make_scenario: Any, small_ticks: Path) -> None:
    path = make_scenario('offset = "10s"\n')
    length = span(small_ticks)
    assert refusal(path) == (
        f"{path}: data.offset: 10s is past the end of the data, which spans {format_ns(length)} "
        f"({length} ns) from its first event; use a smaller offset"
    )


def test_a_one_nanosecond_window_in_a_gap_names_the_keys(
    make_scenario: Any, small_ticks: Path
) -> None:
    import polars as pl

    times = pl.read_parquet(small_ticks).get_column("ts").cast(pl.Int64).sort()
    gaps = times.diff().to_list()
    index = next(i for i, gap in enumerate(gaps) if gap is not None and gap > 2)
    offset = times[index - 1] - times[0] + 1  # strictly between two events
    path = make_scenario()
    length = span(small_ticks)
    assert refusal(path, f"data.offset={offset}ns", "data.duration=1ns") == (
        f"{path} (with --set overrides): data.offset, data.duration: the window from "
        f"{format_ns(offset)} for 1ns selects no events; the data spans {format_ns(length)} "
        f"({length} ns) with symbols AA, BB; widen the window"
    )


def test_a_window_with_events_passes(make_scenario: Any) -> None:
    infos = inspect_inputs(load_scenario(make_scenario('symbols = ["BB"]\nduration = "10ms"\n')))
    assert [info.symbols for info in infos] == [("AA", "BB")]


def test_cli_run_exits_2_before_running(make_scenario: Any, tmp_path: Path) -> None:
    path = make_scenario('symbols = ["NOPE"]\n')
    out = tmp_path / "never"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1] == (
        f"error: {path}: data.symbols: 'NOPE' is in no source; the data holds AA, BB; use "
        "those or leave data.symbols out for all"
    )
    assert not out.exists()
