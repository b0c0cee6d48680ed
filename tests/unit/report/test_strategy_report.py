"""The report's strategy section: figures from the ledger, orders and summary, and a plot."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from sim.data.schema import arrow_schema
from sim.report.strategy_report import plot_strategy, strategy_figures, strategy_ledgers
from sim.runner import run_scenario
from sim.scenario.loader import load_scenario

LEDGER = pl.DataFrame({
    "ts_ns": [2_000_000_000, 3_000_000_000], "order_id": [1, 2], "symbol": ["X", "X"],
    "side": [1, -1], "price": [1000, 1010], "qty": [10, 10], "liquidity": ["maker", "taker"],
    "fee": [-20, 30], "queue_ahead_at_entry": [40, None], "arrival_mid": [1002, None],
    "position": [10, 0],
    "cash": [-9_980, 90], "realized_pnl": [0, 100], "unrealized_pnl": [50, 0],
    "mark": [1005, 1005],
})
ORDERS = pl.DataFrame({
    "source": ["strategy.mm", "strategy.mm", "strategy.mm", "nasdaq"],
    "action": ["add", "add", "cancel", "add"],
    "filled_qty": [10, 10, 0, 0],
    "ts_sent_ns": [1_000_000_000, 2_500_000_000, 2_600_000_000, 0],
    "ts_matching_in_ns": [1_001_000_000, 2_501_000_000, 2_601_000_000, None],
})
SUMMARY = {
    "sim_start_ns": 1_000_000_000,
    "scenario": {"price_scale": 100},
    "components": {"strategy.mm": {"maker_fills": 1, "taker_fills": 1, "position": 0,
                                   "realized_pnl": 100, "unrealized_pnl": 0, "fees": 10,
                                   "net_pnl": 90}},
}


def test_figures_come_from_the_ledger_orders_and_counters() -> None:
    figures = dict(strategy_figures("mm", LEDGER, ORDERS, SUMMARY))
    assert figures["orders sent (adds)"] == "2"
    assert figures["orders with a fill"] == "2 (100.0%)"
    assert figures["fills (maker / taker)"] == "2 (1 / 1)"
    assert figures["shares filled"] == "20"
    assert figures["net P&L"] == "0.90"          # 90 price units x shares at scale 100
    assert figures["fees (negative: rebates)"] == "0.10"
    assert figures["send to venue p50 / p99"] == "1ms / 1ms"
    assert figures["shares ahead at entry, median (maker fills)"] == "40"
    # the buy filled at 1000 against a mid of 1002 when sent: 2 units better, at scale 100
    assert figures["slippage vs arrival mid, per share (positive: worse)"] == "-0.0200"


def test_ledgers_are_found_by_name_and_plotted(tmp_path: Path) -> None:
    LEDGER.write_parquet(tmp_path / "strategy_mm.parquet")
    (tmp_path / "orders.parquet").write_bytes(b"")  # not a ledger
    ledgers = strategy_ledgers(tmp_path)
    assert list(ledgers) == ["mm"]
    path = plot_strategy(tmp_path, "mm", ledgers["mm"], 100, 1_000_000_000)
    assert path == tmp_path / "plots" / "strategy_mm.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_strategy_run_writes_its_ledger_and_report_section(tmp_path: Path) -> None:
    ms = 1_000_000
    rows = [(1 * ms, "add", 101, 1, 1000, 5), (1 * ms, "add", 102, -1, 1010, 5),
            (2 * ms, "add", 103, 1, 1000, 5), (3 * ms, "execute", 103, 1, None, 5),
            (9 * ms, "add", 104, -1, 1011, 1)]
    table = pa.table({
        "ts": pa.array([r[0] for r in rows], pa.timestamp("ns", tz="UTC")),
        "symbol": ["AAA"] * len(rows), "action": [r[1] for r in rows],
        "order_id": pa.array([r[2] for r in rows], pa.uint64()),
        "side": pa.array([r[3] for r in rows], pa.int8()),
        "price": pa.array([r[4] for r in rows], pa.int64()),
        "qty": pa.array([r[5] for r in rows], pa.int64()),
    })
    pq.write_table(table.cast(arrow_schema()), tmp_path / "book.parquet")
    (tmp_path / "s.toml").write_text(
        'name = "mm_test"\n[data]\nsources = [{ name = "hist", path = "book.parquet", '
        'route = "direct" }]\n[[strategies]]\nname = "mm"\n'
        'path = "sim.strategy.examples.join_the_touch:JoinTheTouch"\n'
        'params = { symbol = "AAA", size = 3 }\nmaker_fee = -2\n', encoding="utf-8")
    outcome = run_scenario(load_scenario(tmp_path / "s.toml"), out_dir=tmp_path / "run")
    counters = outcome.summary["components"]["strategy.mm"]
    # it joins the 1000 bid behind 5 shares; history's 103 joins behind it and is
    # executed for 5: the unseen seller passed the strategy first and filled its 3
    assert (counters["maker_fills"], counters["position"], counters["fees"]) == (1, 3, -6)
    ledger = pl.read_parquet(tmp_path / "run" / "strategy_mm.parquet")
    assert ledger.select("qty", "fee", "queue_ahead_at_entry").rows() == [(3, -6, 5)]
    page = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert '<h2>Strategies</h2>' in page
    assert 'id="strategy-mm"' in page
    assert 'id="strategy_mm"' in page  # the embedded plot
    # a strategy run folder (with its ledger) is a run folder: the next run replaces it
    again = run_scenario(load_scenario(tmp_path / "s.toml"), out_dir=tmp_path / "run")
    assert again.summary["digest"] == outcome.summary["digest"]
