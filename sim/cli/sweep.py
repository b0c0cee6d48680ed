"""``sim sweep``: one scenario run once per grid point and seed; a table, plots and a page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pyarrow as pa
import typer

from sim.cli.base import EXIT_CHECK_FAILED, app, emit, fail
from sim.units import format_ns

if TYPE_CHECKING:
    from sim.sweep import Executor

SHOWN = ("end_to_end_p50_ns", "end_to_end_p99_ns", "end_to_end_p99_9_ns", "fill_rate",
         "reject_rate", "orders")
TITLES = {"end_to_end_p50_ns": "e2e p50", "end_to_end_p99_ns": "e2e p99",
          "end_to_end_p99_9_ns": "e2e p99.9"}


def _cell(column: str, value: Any) -> str:
    """One table cell: ns as durations, rates as percentages, the rest as written."""
    if value is None:
        return "-"
    if column.endswith("_ns") and column.startswith("end_to_end"):
        return format_ns(value)
    if column.endswith("rate"):
        return f"{value:.2%}"
    return str(value)


def render_sweep_table(table: pa.Table, keys: list[str]) -> str:
    """The compact table printed after a sweep: varied values, then the figures per run."""
    lead = [*keys, "seed", "status"]
    shown = [*lead, *SHOWN, *(name for name in table.column_names if "." in name
                              and name.rsplit(".", 1)[-1] in ("net_pnl", "fills", "fill_rate")),
             "digest"]
    rows = [[TITLES.get(name, name) for name in shown]]
    rows += [[_cell(name, record[name])[:12 if name == "digest" else None] for name in shown]
             for record in table.select(shown).to_pylist()]
    widths = [max(len(row[index]) for row in rows) for index in range(len(shown))]
    lines = ["  ".join(cell.rjust(width) if position >= len(lead) else cell.ljust(width)
                       for position, (cell, width) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def render_failures(table: pa.Table) -> list[str]:
    """One line per failed run: its index and why."""
    return [f"run {row['run']} failed: {row['error']}" for row in
            table.select(["run", "status", "error"]).to_pylist() if row["status"] == "failed"]


def chosen_executor(executor: str, address: str | None) -> Executor:
    """``--executor`` and ``--address`` checked together (exit 2 naming the option)."""
    from sim.sweep import Executor

    if executor not in {kind.value for kind in Executor}:
        fail(f"--executor {executor!r}: use local or dask")
    if address is not None and executor != Executor.DASK:
        fail("--address: needs --executor dask")
    return Executor(executor)


@app.command()
def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    out: Annotated[Path, typer.Option(help="Sweep folder. Must be new, empty or a previous "
                                      "sweep or run folder.")],
    grid: Annotated[list[str] | None, typer.Option(
        "--grid", "--vary", help="KEY.PATH=V1,V2,...: run once per value (repeat for a grid; "
        "first varies slowest). --vary is an alias.")] = None,
    seeds: Annotated[int, typer.Option(help="Runs per grid point: seeds scenario seed + "
                                       "0..N-1.", min=1)] = 1,
    executor: Annotated[str, typer.Option(help="local (a process pool) or dask.")] = "local",
    address: Annotated[str | None, typer.Option(help="Dask scheduler, tcp://HOST:PORT "
                                                "(--executor dask; default: a LocalCluster).")]
    = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: the "
                                                "machine's cores).", min=1)] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Keep the finished runs in --out; "
                                         "run only missing or failed ones.")] = False,
    full_reports: Annotated[bool, typer.Option("--full-reports", help="Give every run its "
                                               "plots and report.html too.")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override for every run: "
                                                   "KEY.PATH=VALUE.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out even when it is not a "
                                        "previous sweep or run folder.")] = False,
) -> None:
    """Run a scenario once per --grid point and seed; write results.parquet, plots, HTML."""
    from sim.progress import progress_bar
    from sim.sweep import SweepOptions, run_sweep

    options = SweepOptions(sets=list(set_ or []), seeds=seeds,
                           executor=chosen_executor(executor, address),
                           workers=workers or os.cpu_count() or 1, address=address,
                           resume=resume, full_reports=full_reports, force=force)
    with progress_bar("sweep", None) as bar:

        def progress(finished: int, total: int) -> None:
            if finished == 0:
                bar.total(total)
            else:
                bar.advance(1)

        outcome = run_sweep(scenario, list(grid or []), out, options, progress)
    emit(render_sweep_table(outcome.table, [axis.key for axis in outcome.axes]))
    kept = outcome.table.num_rows - outcome.ran
    emit(f"\n{outcome.table.num_rows} runs ({outcome.ran} ran, {kept} kept from before)  "
         f"wrote {outcome.folder} (results.parquet, results.csv, sweep.png, sweep.html, runs/)")
    failures = render_failures(outcome.table)
    if failures:
        emit("\n".join(failures))
        emit(f"{len(failures)} of {outcome.table.num_rows} runs failed; rerun them with "
             "--resume")
        raise typer.Exit(EXIT_CHECK_FAILED)
