"""``sim data``: generate, validate, inspect and import tick data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.base import data_app, emit, fail, import_app
from sim.units import format_ns


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

    spec = FlowSpec(symbols=tuple(s.strip() for s in symbols.split(",") if s.strip()),
                    duration_ns=parse_duration_ns(duration), rate_per_s=rate, seed=seed,
                    add_share=add_share, cancel_share=cancel_share)
    table = generate_flow(spec)
    write_events(table, out, spec.price_scale)
    emit(f"wrote {table.num_rows} events to {out}")


@data_app.command("validate")
def data_validate(files: Annotated[list[Path], typer.Argument(help="Canonical Parquet files.")]
                  ) -> None:
    """Check files against the canonical schema; exit 2 naming file, row and column."""
    from sim.data.reader import inspect_source

    for path in files:
        info = inspect_source(path)
        emit(f"ok {path}: {info.rows} rows, symbols {', '.join(info.symbols)}")


@data_app.command("inspect")
def data_inspect(path: Annotated[Path, typer.Argument(help="Canonical Parquet file.")]) -> None:
    """Describe a canonical file: rows, symbols, time span, price scale, fingerprint."""
    from sim.data.reader import inspect_source

    info = inspect_source(path)
    start = dt.datetime.fromtimestamp(info.first_ts_ns / 1e9, dt.UTC).isoformat()
    emit(json.dumps({"path": str(path), "rows": info.rows, "symbols": list(info.symbols),
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
    stats = import_lobster(message, out, symbol=symbol, date=day, orderbook_path=orderbook)
    emit(f"wrote {stats.events_written} events from {stats.rows_read} rows to {out}")
    emit(json.dumps(dataclasses.asdict(stats), indent=2))


@import_app.command("latency")
def import_latency(
    log: Annotated[Path, typer.Argument(help="Round-trip log: Timestamp, Order_ID, Status.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output Parquet (latency_ns).")],
    request: Annotated[str, typer.Option(help="create, cancel or execute.")] = "create",
) -> None:
    """Pair requests with confirmations into a latency_ns column for empirical links."""
    from sim.data.latency_import import round_trips_ns, write_latency_table

    table = round_trips_ns(log, request)
    write_latency_table(table, out)
    emit(f"wrote {table.num_rows} {request} round trips to {out}")
