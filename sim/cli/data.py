"""``sim data``: generate, validate, inspect and import tick data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.cli.base import data_app, emit, fail, import_app
from sim.units import format_ns

if TYPE_CHECKING:
    from sim.data.table_map import TableMapping


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


MapOption = Annotated[str | None, typer.Option(
    "--map", help="Source columns: ts=col,symbol=col,action=col,order_id=col,side=col,"
    "price=col,qty=col (tif=, account= optional).")]
MapFileOption = Annotated[Path | None, typer.Option(
    "--map-file", help="TOML mapping file (options given here override it).")]
TsUnitOption = Annotated[str | None, typer.Option(
    "--ts-unit", help="Epoch unit of numeric times: ns, us, ms or s (UTC).")]
TsFormatOption = Annotated[str | None, typer.Option(
    "--ts-format", help="Format of text times, e.g. '%Y-%m-%d %H:%M:%S%.f'.")]
TzOption = Annotated[str | None, typer.Option(
    "--tz", help="Zone of --ts-format wall-clock times (default UTC).")]
PriceScaleOption = Annotated[int | None, typer.Option(
    "--price-scale", help="Price units per currency unit (default 10000).")]
QtyScaleOption = Annotated[int | None, typer.Option(
    "--qty-scale", help="Shares per unit of the file's quantity (default 1).")]
ActionMapOption = Annotated[str | None, typer.Option(
    "--action-map", help="Source action values: 'A=add,D=cancel,...'.")]
SideMapOption = Annotated[str | None, typer.Option(
    "--side-map", help="Source side values: 'B=1,S=-1'.")]
SymbolOption = Annotated[str | None, typer.Option(
    "--symbol", help="Symbol of every row (files without a symbol column).")]


def _mapping(map_file: Path | None, map_text: str | None, options: dict[str, object]
             ) -> TableMapping:
    from sim.data.table_map import load_mapping, parse_pairs

    overrides = dict(options)
    if map_text is not None:
        overrides["columns"] = parse_pairs(map_text, "--map")
    for key, option in (("actions", "--action-map"), ("sides", "--side-map")):
        text = overrides.get(key)
        if isinstance(text, str):
            overrides[key] = parse_pairs(text, option)
    return load_mapping(map_file, overrides)


@data_app.command("validate")
def data_validate(
    files: Annotated[list[Path], typer.Argument(help="Canonical Parquet files, or CSV/Parquet "
                                                "tables with --map/--map-file.")],
    map_text: MapOption = None,
    map_file: MapFileOption = None,
    ts_unit: TsUnitOption = None,
    ts_format: TsFormatOption = None,
    tz: TzOption = None,
    price_scale: PriceScaleOption = None,
    qty_scale: QtyScaleOption = None,
    action_map: ActionMapOption = None,
    side_map: SideMapOption = None,
    symbol: SymbolOption = None,
    max_errors: Annotated[int, typer.Option(
        "--max-errors", min=1, help="Stop a file's scan after this many problem rows.")
    ] = 1000,
) -> None:
    """List every problem of each file, grouped by kind with rows and a sample; exit 2 if any."""
    from sim.data.table_source import is_csv
    from sim.data.validate import validate_canonical, validate_table

    mapped = map_text is not None or map_file is not None
    bad = []
    for path in files:
        if mapped:
            mapping = _mapping(map_file, map_text, {
                "ts_unit": ts_unit, "ts_format": ts_format, "tz": tz,
                "price_scale": price_scale, "qty_scale": qty_scale, "actions": action_map,
                "sides": side_map, "symbol": symbol})
            report = validate_table(path, mapping, max_errors)
        elif is_csv(path):
            fail(f"{path}: a CSV file is checked through its mapping: give --map or --map-file "
                 "(see docs/data.md)")
        else:
            report = validate_canonical(path, max_errors)
        if report.ok:
            symbols = ", ".join(report.info.symbols) if report.info else ""
            emit(f"ok {path}: {report.rows} rows" + (f", symbols {symbols}" if symbols else ""))
        else:
            emit(report.summary())
            for line in report.problems.lines():
                emit(line)
            bad.append(str(path))
    if bad:
        fail(f"problems found in {', '.join(bad)} (listed above)")


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
    tz: Annotated[str, typer.Option("--tz", help="Zone of LOBSTER's clock; times are stored "
                                    "as UTC instants.")] = "America/New_York",
) -> None:
    """Convert a LOBSTER message file into the canonical L3 schema (see docs/lobster.md)."""
    from sim.data.lobster import import_lobster

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        fail(f"--date {date!r}: expected YYYY-MM-DD")
    stats = import_lobster(message, out, symbol=symbol, date=day, orderbook_path=orderbook,
                           tz=tz)
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


@import_app.command("table")
def import_table_command(
    source: Annotated[Path, typer.Argument(help="CSV (.csv, .csv.gz) or Parquet table.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output canonical Parquet file.")],
    map_text: MapOption = None,
    map_file: MapFileOption = None,
    ts_unit: TsUnitOption = None,
    ts_format: TsFormatOption = None,
    tz: TzOption = None,
    price_scale: PriceScaleOption = None,
    qty_scale: QtyScaleOption = None,
    action_map: ActionMapOption = None,
    side_map: SideMapOption = None,
    symbol: SymbolOption = None,
    prices_scaled: Annotated[bool | None, typer.Option(
        "--prices-scaled/--prices-decimal",
        help="Prices are already integers in 1/price-scale units.")] = None,
) -> None:
    """Convert any time-sorted CSV or Parquet table through a column mapping, streamed."""
    from sim.data.import_table import import_table

    if map_text is None and map_file is None:
        fail("give the column mapping: --map ts=col,symbol=col,... or --map-file FILE.toml")
    mapping = _mapping(map_file, map_text, {
        "ts_unit": ts_unit, "ts_format": ts_format, "tz": tz, "price_scale": price_scale,
        "qty_scale": qty_scale, "actions": action_map, "sides": side_map, "symbol": symbol,
        "prices_scaled": prices_scaled})
    result = import_table(source, out, mapping)
    emit(f"wrote {result.rows} events to {out}, symbols {', '.join(result.symbols)}")


@import_app.command("dbn")
def import_dbn_command(
    source: Annotated[Path, typer.Argument(help="Databento MBO file (.dbn or .dbn.zst).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output canonical Parquet file.")],
) -> None:
    """Convert a Databento MBO file into canonical L3 events (prices at scale 1e9)."""
    from sim.data.import_dbn import import_dbn

    stats = import_dbn(source, out)
    emit(f"wrote {stats.rows_written} events from {stats.records} records to {out}")
    emit(json.dumps(dataclasses.asdict(stats), indent=2))


@import_app.command("binance")
def import_binance_command(
    source: Annotated[Path, typer.Argument(help="Capture: '<local ns> <JSON>' lines, gzip.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output canonical L2 Parquet file.")],
    price_scale: Annotated[int | None, typer.Option(
        "--price-scale", help="Power of ten (default: the smallest holding every price).")
    ] = None,
    qty_scale: Annotated[int | None, typer.Option(
        "--qty-scale", help="Power of ten (default: the smallest holding every quantity).")
    ] = None,
) -> None:
    """Convert a Binance depth/trade capture into canonical L2 levels and trades."""
    from sim.data.import_binance import import_binance

    stats = import_binance(source, out, price_scale=price_scale, qty_scale=qty_scale)
    emit(f"wrote {stats.rows_written} rows ({stats.level_rows} level, {stats.trades} trade) "
         f"from {stats.lines} lines to {out}")
    emit(json.dumps(dataclasses.asdict(stats), indent=2))
