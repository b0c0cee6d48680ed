"""The ``sim`` command line: a thin typer layer over the library.

Library code raises ``SimError`` subclasses; only this module turns them into
messages on stderr and exit codes: 0 success, 1 a budget or check failed,
2 bad input (scenario, data, arguments).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from sim.errors import SimError
from sim.units import format_ns

app = typer.Typer(help="ticktwin: deterministic trading-platform latency simulation.",
                  no_args_is_help=True, add_completion=False)
data_app = typer.Typer(help="Generate, import, inspect and validate tick data.",
                       no_args_is_help=True)
import_app = typer.Typer(help="Convert real formats into the canonical L3 Parquet schema.",
                         no_args_is_help=True)
app.add_typer(data_app, name="data")
data_app.add_typer(import_app, name="import")

SCENARIOS_DIR = Path("scenarios")
EXIT_INPUT = 2


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    """Print ``error: message`` to stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _emit(text: str) -> None:
    typer.echo(text)


def render_summary_table(summary: dict[str, Any]) -> str:
    """The latency and outcome table printed after a run."""
    header = f"{'segment':<26}{'count':>9}{'p50':>10}{'p90':>10}{'p99':>10}{'p99.9':>10}{'max':>10}"
    lines = [header, "-" * len(header)]
    for name, stats in summary["latency_ns"].items():
        if not stats.get("count"):
            continue
        cells = "".join(f"{format_ns(stats[k]):>10}" for k in ("p50", "p90", "p99", "p99_9",
                                                               "max"))
        lines.append(f"{name:<26}{stats['count']:>9}{cells}")
    orders = summary["orders"]
    outcomes = ", ".join(f"{k} {v}" for k, v in orders["by_outcome"].items())
    lines.append("")
    lines.append(f"orders submitted {orders['submitted']}: {outcomes}; lost {orders['lost']}")
    lines.append(f"fill rate {orders['fill_rate']:.2%}, reject rate {orders['reject_rate']:.2%}")
    if orders["rejects_by_reason"]:
        reasons = ", ".join(f"{k} {v}" for k, v in orders["rejects_by_reason"].items())
        lines.append(f"rejects by reason: {reasons}")
    return "\n".join(lines)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override: KEY.PATH=VALUE.")]
    = None,
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    out: Annotated[Path | None, typer.Option(help="Run folder (default reports/<name>-<digest8>).")]
    = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the run folder.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print summary.json to stdout.")]
    = False,
) -> None:
    """Simulate a scenario and write its report folder."""
    from sim.runner import run_scenario
    from sim.scenario import load_scenario

    overrides = list(set_ or [])
    if seed is not None:
        overrides.append(f"seed={seed}")
    try:
        outcome = run_scenario(load_scenario(scenario, overrides), out_dir=out)
    except SimError as exc:
        fail(str(exc))
    if as_json:
        _emit(json.dumps(outcome.summary, indent=2))
    elif quiet:
        _emit(str(outcome.run_dir))
    else:
        _emit(render_summary_table(outcome.summary))
        _emit(f"\ndigest {outcome.summary['digest'][:16]}  wrote {outcome.run_dir}")


@app.command("scenarios")
def list_scenarios(
    folder: Annotated[Path, typer.Option(help="Folder to list.")] = SCENARIOS_DIR,
) -> None:
    """List bundled scenarios with their one-line description."""
    from sim.scenario import load_scenario

    files = sorted(folder.rglob("*.toml"))
    if not files:
        fail(f"no scenario files under {folder}")
    width = max(len(str(p.relative_to(folder))) for p in files)
    for path in files:
        try:
            description = load_scenario(path).description.strip().splitlines()[0:1]
        except SimError as exc:
            description = [f"(invalid: {str(exc).splitlines()[-1].strip()})"]
        _emit(f"{path.relative_to(folder)!s:<{width}}  {''.join(description)}")


@data_app.command("gen")
def data_gen(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output Parquet file.")],
    symbols: Annotated[str, typer.Option(help="Comma-separated symbols.")] = "SYMA",
    duration: Annotated[str, typer.Option(help="Simulated span, e.g. 10s.")] = "10s",
    rate: Annotated[int, typer.Option(help="Mean events per second per symbol.")] = 5000,
    seed: Annotated[int, typer.Option(help="Seed of the generator's named streams.")] = 0,
    add_share: Annotated[float, typer.Option(help="Share of adds.")] = 0.6,
    cancel_share: Annotated[float, typer.Option(help="Share of cancels (rest: market).")] = 0.3,
) -> None:
    """Write deterministic synthetic L3 flow (same arguments, same bytes)."""
    from sim.data.generate import FlowSpec, generate_flow, write_events
    from sim.units import parse_duration_ns

    try:
        spec = FlowSpec(symbols=tuple(s.strip() for s in symbols.split(",") if s.strip()),
                        duration_ns=parse_duration_ns(duration), rate_per_s=rate, seed=seed,
                        add_share=add_share, cancel_share=cancel_share)
        table = generate_flow(spec)
        write_events(table, out, spec.price_scale)
    except SimError as exc:
        fail(str(exc))
    _emit(f"wrote {table.num_rows} events to {out}")


@data_app.command("validate")
def data_validate(files: Annotated[list[Path], typer.Argument(help="Canonical Parquet files.")]
                  ) -> None:
    """Check files against the canonical schema; exit 2 naming file, row and column."""
    from sim.data.reader import inspect_source

    for path in files:
        try:
            info = inspect_source(path)
        except SimError as exc:
            fail(str(exc))
        _emit(f"ok {path}: {info.rows} rows, symbols {', '.join(info.symbols)}")


@data_app.command("inspect")
def data_inspect(path: Annotated[Path, typer.Argument(help="Canonical Parquet file.")]) -> None:
    """Describe a canonical file: rows, symbols, time span, price scale, fingerprint."""
    from sim.data.reader import inspect_source

    try:
        info = inspect_source(path)
    except SimError as exc:
        fail(str(exc))
    start = dt.datetime.fromtimestamp(info.first_ts_ns / 1e9, dt.UTC).isoformat()
    _emit(json.dumps({"path": str(path), "rows": info.rows, "symbols": list(info.symbols),
                      "first_ts": start, "span": format_ns(info.last_ts_ns - info.first_ts_ns),
                      "price_scale": info.price_scale, "fingerprint": info.fingerprint},
                     indent=2))


@import_app.command("lobster")
def import_lobster_command(
    message: Annotated[Path, typer.Argument(help="LOBSTER message file (.csv or .csv.gz).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output canonical Parquet file.")],
    symbol: Annotated[str, typer.Option(help="Instrument name to write.")],
    date: Annotated[str, typer.Option(help="Trading date, YYYY-MM-DD.")],
    orderbook: Annotated[Path | None, typer.Option(help="Matching LOBSTER orderbook file: "
                                                   "seeds the opening book and window "
                                                   "entries.")] = None,
) -> None:
    """Convert a LOBSTER message file into the canonical L3 schema (see docs/lobster.md)."""
    from sim.data.lobster import import_lobster

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        fail(f"--date {date!r}: expected YYYY-MM-DD")
    try:
        stats = import_lobster(message, out, symbol=symbol, date=day, orderbook_path=orderbook)
    except SimError as exc:
        fail(str(exc))
    _emit(f"wrote {stats.events_written} events from {stats.rows_read} rows to {out}")
    _emit(json.dumps(dataclasses.asdict(stats), indent=2))


@import_app.command("latency")
def import_latency(
    log: Annotated[Path, typer.Argument(help="Round-trip log: Timestamp, Order_ID, Status.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output Parquet (latency_ns).")],
    request: Annotated[str, typer.Option(help="create, cancel or execute.")] = "create",
) -> None:
    """Pair requests with confirmations into a latency_ns column for empirical links."""
    from sim.data.latency_import import round_trips_ns, write_latency_table

    try:
        table = round_trips_ns(log, request)
        write_latency_table(table, out)
    except SimError as exc:
        fail(str(exc))
    _emit(f"wrote {table.num_rows} {request} round trips to {out}")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="sim")


import sim.cli_check  # noqa: E402, F401  (registers check, diff and report on `app`)

if __name__ == "__main__":  # pragma: no cover
    main()
