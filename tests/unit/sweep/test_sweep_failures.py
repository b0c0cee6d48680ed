"""Sweep runs fail one at a time: an exception or a dead worker costs only its own row,
finished runs stay on disk and in results.parquet, --resume reruns only what is missing,
and a worker that sees other input bytes refuses the run."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from sim.data.generate import FlowSpec, generate_flow, write_events
from sim.sweep import SweepOptions, run_sweep
from sim.sweep.results import NOT_RUN
from sim.sweep.task import RunTask, execute

TRAP = '''
import os

from sim.strategy.api import Strategy


class Trap(Strategy):
    """Does nothing, raises, or kills its process at the first book update (tests only)."""

    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode

    def on_book_update(self, ctx, book):
        if self.mode == "raise":
            raise RuntimeError("trap sprung")
        if self.mode == "exit":
            os._exit(7)
'''
KEY = "strategies.0.params.mode"


@pytest.fixture
def trap_scenario(tmp_path: Path) -> Path:
    """About 500 events and a strategy whose ``mode`` decides its run's fate."""
    write_events(generate_flow(FlowSpec(symbols=("AAA",), duration_ns=100_000_000,
                                        rate_per_s=5_000, seed=5)), tmp_path / "hist.parquet")
    (tmp_path / "trap.py").write_text(TRAP)
    path = tmp_path / "trap.toml"
    path.write_text('name = "trap"\nseed = 1\n[data]\n'
                    'sources = [{ name = "hist", path = "hist.parquet", route = "full" }]\n'
                    '[[strategies]]\nname = "trap"\npath = "trap.py:Trap"\n'
                    'params = { mode = "ok" }\n')
    return path


def statuses(table: pl.DataFrame) -> list[tuple[str, str]]:
    return list(zip(table.get_column(KEY).to_list(), table.get_column("status").to_list(),
                    strict=True))


def test_a_run_that_raises_is_reported_and_the_others_complete(tmp_path: Path,
                                                               trap_scenario: Path) -> None:
    out = tmp_path / "sweep"
    outcome = run_sweep(trap_scenario, [f'{KEY}="ok","raise"', "seed=1,2"], out,
                        SweepOptions(workers=2))
    table = pl.read_parquet(out / "results.parquet")
    assert statuses(table) == [("\"ok\"", "ok")] * 2 + [("\"raise\"", "failed")] * 2
    assert outcome.failed == 2
    errors = table.get_column("error").to_list()
    assert errors[:2] == ["", ""]
    assert all("RuntimeError" in error and "trap sprung" in error for error in errors[2:])
    assert table.get_column("digest").null_count() == 2
    for folder in table.get_column("run_folder").to_list()[:2]:
        assert (out / folder / "summary.json").is_file()
    assert len(list((out / "runs").iterdir())) == 2  # a failed run writes nothing


def test_a_killed_worker_loses_no_finished_run_and_resume_fills_the_gap(
        tmp_path: Path, trap_scenario: Path) -> None:
    out = tmp_path / "sweep"
    grid = [f'{KEY}="ok","exit"', "seed=1,2,3"]
    run_sweep(trap_scenario, grid, out, SweepOptions(workers=1))
    table = pl.read_parquet(out / "results.parquet")
    assert statuses(table)[:3] == [("\"ok\"", "ok")] * 3  # finished before the worker died
    assert table.get_column("status").to_list()[3:] == ["failed"] * 3
    assert "worker process running it died (BrokenProcessPool)" in table.get_column("error")[3]
    finished = sorted(p.name for p in (out / "runs").iterdir() if not p.name.startswith("."))
    assert len(finished) == 3
    # --resume with the trap disarmed (same points, same run ids): only the lost runs rerun
    trap = tmp_path / "trap.py"
    trap.write_text(trap.read_text().replace("os._exit(7)", "return"))
    resumed = run_sweep(trap_scenario, grid, out, SweepOptions(workers=1, resume=True))
    assert resumed.ran == 3
    again = pl.read_parquet(out / "results.parquet")
    assert again.get_column("status").to_list() == ["ok"] * 6
    assert again.get_column("digest").to_list()[:3] == table.get_column("digest").to_list()[:3]


def test_resume_reruns_nothing_on_a_complete_sweep(tmp_path: Path, trap_scenario: Path) -> None:
    out = tmp_path / "sweep"
    first = run_sweep(trap_scenario, ["seed=1,2"], out, SweepOptions(workers=2))
    before = (out / "results.parquet").read_bytes()
    again = run_sweep(trap_scenario, ["seed=1,2"], out, SweepOptions(workers=2, resume=True))
    assert (first.ran, again.ran) == (2, 0)
    assert (out / "results.parquet").read_bytes() == before
    grown = run_sweep(trap_scenario, ["seed=1,2,3"], out, SweepOptions(workers=2, resume=True))
    assert grown.ran == 1  # matched by run id: only seed 3 is new
    assert grown.table.column("digest").to_pylist()[:2] == \
        first.table.column("digest").to_pylist()


def test_a_worker_that_sees_other_input_bytes_refuses_the_run(tmp_path: Path,
                                                              trap_scenario: Path) -> None:
    data = tmp_path / "hist.parquet"
    task = RunTask(0, {}, "x.toml", ((str(data), "0" * 64),), (), str(tmp_path / "runs"), False)
    record = execute(task)
    assert record.status == "failed"
    assert record.error.startswith(f"input {data}: this worker's copy differs from the "
                                   "submitter's (sha256 ")
    gone = RunTask(0, {}, "x.toml", ((str(tmp_path / "nope.parquet"), "0" * 64),), (),
                   str(tmp_path / "runs"), False)
    assert "cannot be read on this worker" in execute(gone).error
    assert not (tmp_path / "runs").exists()
    assert NOT_RUN.startswith("not run")
