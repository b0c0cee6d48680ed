"""The report's strategy section: each strategy's P&L, inventory, fills and order latency.

Built from the run folder: ``strategy_<name>.parquet`` (its ledger, one row per
fill), ``orders.parquet`` (its orders, by ``source = strategy.<name>``) and
``summary.json`` (its counters and the price scale). Money is shown in currency
(price units / ``price_scale``). One plot per strategy, P&L and position over time,
is written to ``plots/strategy_<name>.png`` and embedded by the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq
from matplotlib.figure import Figure

from sim.report.plots import DPI, FIGURE_SIZE, save_figure
from sim.units import format_ns

LEDGER_PREFIX = "strategy_"


def strategy_ledgers(run_dir: Path) -> dict[str, pl.DataFrame]:
    """Each strategy's ledger in ``run_dir`` by name, sorted by name."""
    ledgers = {}
    for path in sorted(Path(run_dir).glob(f"{LEDGER_PREFIX}*.parquet")):
        frame = pl.from_arrow(pq.read_table(path))
        assert isinstance(frame, pl.DataFrame)
        ledgers[path.stem.removeprefix(LEDGER_PREFIX)] = frame
    return ledgers


def strategy_figures(name: str, ledger: pl.DataFrame, orders: pl.DataFrame,
                     summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The figures of one strategy, as (label, formatted value) rows."""
    scale = int(summary.get("scenario", {}).get("price_scale", 10_000))
    counters = summary.get("components", {}).get(f"strategy.{name}", {})
    mine = orders.filter(pl.col("source") == f"strategy.{name}")
    adds = mine.filter(pl.col("action").is_in(["add", "market"]))
    filled = adds.filter(pl.col("filled_qty") > 0).height
    entry = (mine["ts_matching_in_ns"] - mine["ts_sent_ns"]).drop_nulls().to_numpy()

    def money(key: str) -> str:
        return f"{counters.get(key, 0) / scale:,.2f}"

    rows = [
        ("orders sent (adds)", f"{adds.height:,}"),
        ("orders with a fill", f"{filled:,} ({filled / adds.height:.1%})" if adds.height else "0"),
        ("fills (maker / taker)", f"{ledger.height:,} ({counters.get('maker_fills', 0):,} / "
                                  f"{counters.get('taker_fills', 0):,})"),
        ("shares filled", f"{int(ledger['qty'].sum()) if ledger.height else 0:,}"),
        ("position at the end", f"{counters.get('position', 0):,}"),
        ("realised P&L", money("realized_pnl")),
        ("unrealised P&L (at the final mid)", money("unrealized_pnl")),
        ("fees (negative: rebates)", money("fees")),
        ("net P&L", money("net_pnl")),
    ]
    if entry.size:
        p50, p99 = np.percentile(entry, [50, 99], method="inverted_cdf")
        rows.append(("send to venue p50 / p99", f"{format_ns(int(p50))} / {format_ns(int(p99))}"))
    priced = ledger.filter(pl.col("arrival_mid").is_not_null())
    if priced.height:
        slipped = (priced["side"].cast(pl.Int64) * (priced["price"] - priced["arrival_mid"])
                   * priced["qty"]).to_numpy().sum()
        per_share = float(slipped) / float(priced["qty"].to_numpy().sum()) / scale
        rows.append(("slippage vs arrival mid, per share (positive: worse)",
                     f"{per_share:,.4f}"))
    queue = ledger.filter(pl.col("liquidity") == "maker")["queue_ahead_at_entry"].drop_nulls()
    if queue.len():
        median = np.percentile(queue.to_numpy(), 50, method="inverted_cdf")
        rows.append(("shares ahead at entry, median (maker fills)", f"{int(median):,}"))
    return rows


def plot_strategy(run_dir: Path, name: str, ledger: pl.DataFrame, scale: int,
                  start_ns: int) -> Path:
    """``plots/strategy_<name>.png``: net P&L (currency) and position against time."""
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")
    pnl_axes, position_axes = figure.subplots(2, 1, sharex=True)
    if ledger.height:
        seconds = (ledger["ts_ns"].to_numpy() - start_ns) / 1e9
        net = (ledger["realized_pnl"] + ledger["unrealized_pnl"]).to_numpy() - np.cumsum(
            ledger["fee"].to_numpy())
        pnl_axes.step(seconds, net / scale, where="post")
        position_axes.step(seconds, ledger["position"].to_numpy(), where="post")
    pnl_axes.set_ylabel("net P&L")
    position_axes.set_ylabel("position (shares)")
    position_axes.set_xlabel("seconds since the first event")
    pnl_axes.set_title(f"strategy {name}: P&L after each fill and position")
    plot_dir = Path(run_dir) / "plots"
    plot_dir.mkdir(parents=True, exist_ok=True)
    return save_figure(figure, plot_dir / f"{LEDGER_PREFIX}{name}.png")
