"""scenarios/fat_finger.toml: each injected order trips its check; without risk, its impact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from sim.runner import run_scenario
from sim.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "fat_finger.toml"


def injected(run_dir: Path) -> pl.DataFrame:
    orders = pl.read_parquet(run_dir / "orders.parquet")
    return orders.filter(pl.col("source") == "inject").sort("order_seq")


def test_each_injected_order_is_rejected_with_its_check(golden_run: Any) -> None:
    outcome = golden_run("fat_finger")
    table = injected(outcome.run_dir)
    assert table["reject_reason"].to_list() == ["max_order_qty", "max_notional", "price_collar"]
    assert table["reject_stage"].to_list() == ["risk"] * 3
    assert table["account"].to_list() == ["fat-finger"] * 3
    assert table["ts_matching_in_ns"].null_count() == 3
    summary = outcome.summary["injected"]
    assert [row["reject_reason"] for row in summary] == table["reject_reason"].to_list()
    assert all(row["filled_qty"] == 0 and row["levels_swept"] == 0 for row in summary)


def test_without_risk_the_summary_reports_the_impact_fills_show(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO, ["risk.enabled=false"])
    outcome = run_scenario(scenario, out_dir=tmp_path / "run", write_report=False)
    table = injected(outcome.run_dir)
    assert table["reject_reason"].null_count() == 3
    fills = pl.read_parquet(outcome.run_dir / "fills.parquet").with_row_index("row")
    tick = scenario.report.tick_size
    by_seq = {row["order_seq"]: row for row in outcome.summary["injected"]}
    for seq, filled_qty in zip(table["order_seq"], table["filled_qty"], strict=True):
        mine = fills.filter(pl.col("taker_seq") == seq).sort("row")
        as_any = fills.filter((pl.col("taker_seq") == seq) | (pl.col("maker_seq") == seq))
        row = by_seq[seq]
        assert row["filled_qty"] == filled_qty == as_any["qty"].sum()
        assert row["levels_swept"] == mine["price"].n_unique()
        prices = mine["price"].to_list()
        move = abs(prices[-1] - prices[0]) if prices else 0
        assert row["price_move"] == move
        assert row["price_move_ticks"] == move // tick
    sweep = outcome.summary["injected"][0]  # 5,000,000 shares 200 bps through the market
    assert sweep["filled_qty"] > 0
    assert sweep["levels_swept"] > 1
    assert sweep["price_move_ticks"] > 0
