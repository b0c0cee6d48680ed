"""`sim report RUN_DIR`: the run's own timeline interval, bounded buckets, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.report.timeline import MAX_TIMELINE_BUCKETS, default_interval_ns

runner = CliRunner()

OUTPUTS = ("timeline.parquet", "report.html", *(f"plots/{name}" for name in (
    "latency_tail.png", "latency_over_time.png", "latency_waterfall.png", "throughput.png",
    "queue_depth.png",
    "utilisation.png", "fill_rate.png", "tail_attribution.png")))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, small_ticks: Path) -> Path:
    """A real run of the small scenario with ``report.timeline_interval = "3ms"``."""
    folder = tmp_path_factory.mktemp("run")
    scenario = folder / "small.toml"
    scenario.write_text(f'name = "small"\nseed = 3\n[data]\nsources = [{{ name = "clients", '
                        f'path = "{small_ticks}", route = "full" }}]\n'
                        '[report]\ntimeline_interval = "3ms"\n')
    result = runner.invoke(app, ["run", str(scenario), "--out", str(folder / "out")])
    assert result.exit_code == 0, result.output
    return folder / "out"


def _copy(run_dir: Path, target: Path, summary: dict[str, Any] | None = None) -> Path:
    """``orders.parquet`` and (possibly edited) ``summary.json`` of ``run_dir`` in ``target``."""
    target.mkdir()
    (target / "orders.parquet").write_bytes((run_dir / "orders.parquet").read_bytes())
    text = (run_dir / "summary.json").read_text() if summary is None else json.dumps(summary)
    (target / "summary.json").write_text(text)
    return target


def _summary(run_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((run_dir / "summary.json").read_text())
    return loaded


def _report(folder: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["report", str(folder)])
    return result.exit_code, result.output


def test_rebuilt_report_is_byte_identical_with_the_runs_own_interval(
    run_dir: Path, tmp_path: Path
) -> None:
    """`sim report` uses the run's report.timeline_interval (3ms, not the ~200-bucket default)."""
    summary = _summary(run_dir)
    span = summary["sim_end_ns"] - summary["sim_start_ns"]
    assert default_interval_ns(span) == 2_000_000  # the default would differ from 3ms
    timeline = pl.read_parquet(run_dir / "timeline.parquet")
    widths = (timeline["interval_end_ns"] - timeline["interval_start_ns"]).unique().to_list()
    assert widths == [3_000_000]
    folder = _copy(run_dir, tmp_path / "again")
    code, output = _report(folder)
    assert (code, output) == (0, f"wrote {folder / 'report.html'}\n")
    for name in OUTPUTS:
        assert (folder / name).read_bytes() == (run_dir / name).read_bytes(), name


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.pop("sim_start_ns"),
         "key 'sim_start_ns' missing; is it a summary.json written by `sim run`? "
         "(rerun the scenario to rewrite it)"),
        (lambda s: s.pop("sim_end_ns"),
         "key 'sim_end_ns' missing; is it a summary.json written by `sim run`? "
         "(rerun the scenario to rewrite it)"),
        (lambda s: s.update(sim_start_ns=None),
         "key 'sim_start_ns' should be an integer, got None"),
        (lambda s: s["scenario"].pop("report"),
         "key 'scenario.report' missing; is it a summary.json written by `sim run`? "
         "(rerun the scenario to rewrite it)"),
        (lambda s: s["scenario"]["report"].update(timeline_interval=0),
         "key 'scenario.report.timeline_interval' should be a positive integer or null, got 0"),
        (lambda s: s["scenario"]["report"].update(timeline_interval="3ms"),
         "key 'scenario.report.timeline_interval' should be a positive integer or null, "
         "got '3ms'"),
        (lambda s: s["components"]["gateway"].update(workers="2"),
         "key 'components.gateway.workers' should be an integer, got '2'"),
        (lambda s: s["components"].update(risk=[1]),
         "key 'components.risk' should be an object, got [1]"),
        (lambda s: s.update(faults={"kind": "pause"}),
         "key 'faults' should be a list, got {'kind': 'pause'}"),
        (lambda s: s.update(faults=[{"kind": "pause", "subject": "risk", "start_ns": 1}]),
         "key 'faults[0].end_ns' missing; is it a summary.json written by `sim run`? "
         "(rerun the scenario to rewrite it)"),
    ],
)
def test_wrongly_shaped_summary_is_one_line_naming_file_and_key(
    run_dir: Path, tmp_path: Path, edit: Any, message: str
) -> None:
    summary = _summary(run_dir)
    edit(summary)
    folder = _copy(run_dir, tmp_path / "edited", summary)
    code, output = _report(folder)
    assert (code, output) == (2, f"error: {folder / 'summary.json'}: {message}\n")
    assert not (folder / "timeline.parquet").exists()


def test_corrupt_orders_parquet_is_named(run_dir: Path, tmp_path: Path) -> None:
    folder = _copy(run_dir, tmp_path / "corrupt")
    data = (folder / "orders.parquet").read_bytes()
    (folder / "orders.parquet").write_bytes(data[: len(data) // 2] + b"\x00" * 64 + data[-8:])
    code, output = _report(folder)
    prefix = f"error: {folder / 'orders.parquet'}: not a readable Parquet file ("
    assert code == 2
    assert output.startswith(prefix), output
    assert output.endswith("); rerun the scenario with `sim run` to rewrite it\n")
    assert output.count("\n") == 1


def test_orders_without_a_report_column_is_named(run_dir: Path, tmp_path: Path) -> None:
    folder = _copy(run_dir, tmp_path / "dropped")
    pl.read_parquet(folder / "orders.parquet").drop("reject_stage").write_parquet(
        folder / "orders.parquet")
    assert _report(folder) == (2, f"error: {folder / 'orders.parquet'}: column 'reject_stage' "
                                  "missing; is it a ticktwin orders.parquet?\n")


def test_explicit_interval_needing_too_many_buckets_is_refused(
    run_dir: Path, tmp_path: Path
) -> None:
    """1 ns over the run's stamps would need millions of buckets: refused, nothing allocated."""
    summary = _summary(run_dir)
    summary["scenario"]["report"]["timeline_interval"] = 1
    folder = _copy(run_dir, tmp_path / "one-ns", summary)
    orders = pl.read_parquet(folder / "orders.parquet")
    stamps = pl.concat([orders[c].drop_nulls() for c in orders.columns
                        if c.startswith("ts_") and c.endswith("_ns")])
    first, last = int(stamps.min()), int(stamps.max())  # type: ignore[arg-type]
    span = last - first + 1
    smallest = -(-span // (MAX_TIMELINE_BUCKETS - 1))
    assert _report(folder) == (2, (
        f"error: {folder / 'orders.parquet'}: a timeline of 1 ns intervals over its {span:,} ns "
        f"of stamps would need {span:,} buckets, more than the cap of 10,000; set "
        f"report.timeline_interval to at least {smallest:,} ns (or leave it unset)\n"))


def test_default_interval_is_widened_when_the_summary_span_is_too_short(
    run_dir: Path, tmp_path: Path
) -> None:
    """A 1 ns span used to mean 1 ns buckets over the whole run (23 GB); now ~200 buckets."""
    summary = _summary(run_dir)
    summary["scenario"]["report"]["timeline_interval"] = None
    summary["sim_end_ns"] = summary["sim_start_ns"] + 1
    folder = _copy(run_dir, tmp_path / "short", summary)
    assert _report(folder)[0] == 0
    timeline = pl.read_parquet(folder / "timeline.parquet")
    widths = (timeline["interval_end_ns"] - timeline["interval_start_ns"]).unique().to_list()
    assert widths == [2_000_000]
    assert timeline.height // 3 == 105
