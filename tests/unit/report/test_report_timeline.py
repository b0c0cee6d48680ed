"""Timeline figures on a four-request table worked out by hand (100 ns intervals)."""

from __future__ import annotations

import polars as pl
import pytest

from sim.errors import DataError
from sim.report.attribution import tail_attribution
from sim.report.timeline import (
    MAX_TIMELINE_BUCKETS,
    ReportError,
    bucket_count,
    build_timeline,
    default_interval_ns,
)
from tests.unit.report.conftest import make_orders


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


def _two_orders(last_ns: int) -> pl.DataFrame:
    """Two orders whose stamps span ``[0, last_ns]``."""
    first = {"ts_sent_ns": 0, "ts_gateway_in_ns": 0, "ts_gateway_out_ns": 0}
    return make_orders([first, {"ts_sent_ns": last_ns, "ts_ack_ns": last_ns}])


def test_timeline_bucket_count_is_checked_before_allocating() -> None:
    """An explicit 1 ns interval over a 1 s run would need 10^9 buckets: refused, exactly."""
    with pytest.raises(ReportError) as caught:
        build_timeline(_two_orders(1_000_000_000), 1, source="run/orders.parquet")
    assert str(caught.value) == (
        "run/orders.parquet: a timeline of 1 ns intervals over its 1,000,000,001 ns of stamps "
        "would need 1,000,000,001 buckets, more than the cap of 10,000; set "
        "report.timeline_interval to at least 100,011 ns (or leave it unset)")
    assert isinstance(caught.value, DataError)
    assert bucket_count(0, 1_000_000_000, 100_011) == 9_999  # the suggestion fits the cap


def test_timeline_cap_is_inclusive() -> None:
    assert MAX_TIMELINE_BUCKETS == 10_000
    assert build_timeline(_two_orders(9_999), 1).num_rows == 3 * 10_000
    with pytest.raises(ReportError, match="would need 10,001 buckets"):
        build_timeline(_two_orders(10_000), 1)


def test_default_interval_past_the_cap_is_widened_to_about_200_buckets() -> None:
    table = build_timeline(_two_orders(1_000_000_000), 1, explicit=False)
    widths = {end - start for start, end in zip(table.column("interval_start_ns").to_pylist(),
                                                table.column("interval_end_ns").to_pylist(),
                                                strict=True)}
    assert widths == {5_000_000}
    assert table.num_rows == 3 * 201
