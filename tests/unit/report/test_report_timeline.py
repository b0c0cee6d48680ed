"""Timeline figures on a four-request table worked out by hand (100 ns intervals)."""

from __future__ import annotations

import polars as pl
import pytest

from sim.report.attribution import tail_attribution
from sim.report.timeline import ReportError, build_timeline, default_interval_ns


def _column(table: pl.DataFrame, component: str, name: str) -> list[object]:
    return table.filter(pl.col("component") == component).get_column(name).to_list()


def test_timeline_gateway_figures_match_hand_computation(tiny_orders: pl.DataFrame) -> None:
    frame = pl.from_arrow(build_timeline(tiny_orders, 100, {"gateway": 2}))
    assert isinstance(frame, pl.DataFrame)
    assert _column(frame, "gateway", "interval_start_ns") == [0, 100, 200]
    assert _column(frame, "gateway", "arrivals") == [3, 0, 1]
    assert _column(frame, "gateway", "completions") == [1, 2, 1]
    assert _column(frame, "gateway", "throughput_per_s") == [1e7, 2e7, 1e7]
    # waits: b [20,30) -> 10 ns; c [90,150) -> 10 ns then 50 ns; d never waits
    assert _column(frame, "gateway", "queue_depth_mean") == [0.2, 0.5, 0.0]
    assert _column(frame, "gateway", "queue_depth_end") == [1, 0, 0]
    # service: a [10,30), b [30,150), c [150,160) over 2 workers
    assert _column(frame, "gateway", "busy_ns") == [90, 60, 0]
    assert _column(frame, "gateway", "utilisation") == [0.45, 0.3, 0.0]
    assert _column(frame, "gateway", "rejects") == [0, 0, 1]
    assert _column(frame, "gateway", "fills") == [0, 0, 0]


def test_timeline_risk_and_matching_figures(tiny_orders: pl.DataFrame) -> None:
    frame = pl.from_arrow(build_timeline(tiny_orders.to_arrow(), 100))
    assert isinstance(frame, pl.DataFrame)
    assert _column(frame, "risk", "arrivals") == [1, 2, 0]
    assert _column(frame, "risk", "queue_depth_mean") == [0.1, 0.05, 0.0]
    assert _column(frame, "risk", "utilisation") == [0.1, 0.15, 0.0]
    assert _column(frame, "risk", "rejects") == [0, 1, 0]
    assert _column(frame, "matching", "arrivals") == [1, 1, 0]
    assert _column(frame, "matching", "completions") == [1, 0, 1]
    assert _column(frame, "matching", "busy_ns") == [20, 10, 20]
    assert _column(frame, "matching", "fills") == [1, 0, 0]
    assert _column(frame, "matching", "workers") == [1, 1, 1]


def test_timeline_rejects_non_positive_interval(tiny_orders: pl.DataFrame) -> None:
    with pytest.raises(ReportError, match="positive"):
        build_timeline(tiny_orders, 0)


def test_timeline_names_a_missing_stamp_column(tiny_orders: pl.DataFrame) -> None:
    with pytest.raises(ReportError, match="ts_risk_start_ns"):
        build_timeline(tiny_orders.drop("ts_risk_start_ns"), 100)


def test_default_interval_is_round() -> None:
    assert default_interval_ns(1_000_000_000) == 5_000_000
    assert default_interval_ns(10) == 1
    assert default_interval_ns(3_000) == 20


def test_tail_attribution_charges_the_dominant_hop(tiny_orders: pl.DataFrame) -> None:
    # slowest request is b (230 ns end to end); its gateway took 130 ns
    table = tail_attribution(tiny_orders, fraction=0.01)
    counts = dict(
        zip(table.column("component").to_pylist(), table.column("orders").to_pylist(), strict=True)
    )
    assert counts["gateway"] == 1
    assert sum(counts.values()) == 1
