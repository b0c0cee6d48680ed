"""``sim sweep``: one scenario run once per value of one or more keys; a table and a plot."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import typer

from sim.cli.base import app, emit
from sim.units import format_ns


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
    shown = [*keys, "end_to_end_p50_ns", "end_to_end_p99_ns", "fill_rate", "reject_rate",
             "orders", *(name for name in table.column_names if "." in name
                         and name.rsplit(".", 1)[-1] in ("net_pnl", "fills", "fill_rate")),
             "digest"]
    titles = {"end_to_end_p50_ns": "e2e p50", "end_to_end_p99_ns": "e2e p99"}
    rows = [[titles.get(name, name) for name in shown]]
    rows += [[_cell(name, record[name])[:12 if name == "digest" else None] for name in shown]
             for record in table.select(shown).to_pylist()]
    widths = [max(len(row[index]) for row in rows) for index in range(len(shown))]
    lines = ["  ".join(cell.rjust(width) if position >= len(keys) else cell.ljust(width)
                       for position, (cell, width) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


@app.command()
def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    vary: Annotated[list[str], typer.Option("--vary", help="KEY.PATH=V1,V2,...: run once per "
                                            "value (repeat for a grid; first varies slowest).")],
    out: Annotated[Path, typer.Option(help="Sweep folder. Must be new, empty or a previous "
                                      "sweep or run folder.")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override for every run: "
                                                   "KEY.PATH=VALUE.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out even when it is not a "
                                        "previous sweep or run folder.")] = False,
) -> None:
    """Run a scenario once per --vary value; write sweep.parquet/csv/png and print a table."""
    from sim.sweep import Point, run_sweep

    def progress(point: Point, total: int) -> None:
        if sys.stderr.isatty():
            values = ", ".join(point.overrides())
            typer.echo(f"run {point.index + 1}/{total}: {values}", err=True)

    outcome = run_sweep(scenario, vary, out, sets=list(set_ or []), force=force,
                        progress=progress)
    emit(render_sweep_table(outcome.table, [axis.key for axis in outcome.axes]))
    emit(f"\n{outcome.table.num_rows} runs  wrote {outcome.folder} (sweep.parquet, sweep.csv, "
         "sweep.png, runs/)")
