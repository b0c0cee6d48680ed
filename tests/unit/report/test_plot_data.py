"""The figures behind the time and tail plots, recomputed from the orders with plain numpy."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

from sim.report.plot_data import (
    TAIL_PERCENTILES,
    Grid,
    latency_over_time,
    normalised_rates,
    stamp_rates,
    tail_curve,
    timeline_grid,
    zoom_windows,
)
from sim.report.plots import fill_rates
from sim.report.summary import SEGMENTS
from sim.report.timeline import build_timeline


def _pair(orders: pl.DataFrame, segment: str) -> tuple[np.ndarray, np.ndarray]:
    """First stamp and latency of one segment over the orders with both stamps (numpy)."""
    first, last = (orders.get_column(c).to_numpy().astype(np.float64) for c in SEGMENTS[segment])
    both = ~np.isnan(first) & ~np.isnan(last)
    return first[both].astype(np.int64), (last[both] - first[both]).astype(np.int64)


@pytest.mark.parametrize("segment", ["end_to_end", "gateway", "link.risk_to_matching"])
def test_latency_over_time_matches_numpy_per_bucket(random_orders: pl.DataFrame,
                                                    segment: str) -> None:
    """p50/p99/max per bucket, by the segment's first stamp, are numpy's inverted-CDF figures."""
    grid = Grid(0, 300_000, 20, 0, 6_000_000)
    table = latency_over_time(random_orders, grid, [segment])
    stamps, latency = _pair(random_orders, segment)
    bucket = stamps // grid.width_ns
    expected = []
    for index in np.unique(bucket[bucket < grid.count]):
        values = latency[bucket == index]
        expected.append((int(index), values.size,
                         int(np.percentile(values, 50, method="inverted_cdf")),
                         int(np.percentile(values, 99, method="inverted_cdf")), int(values.max())))
    got = [(row["bucket"], row["count"], row["p50"], row["p99"], row["max"])
           for row in table.iter_rows(named=True)]
    assert got == expected
    assert len(got) >= 15


def test_tail_curve_shares_and_percentiles_match_numpy(random_orders: pl.DataFrame) -> None:
    """Each point's share is the fraction of samples at least that slow; marks are inverted-CDF."""
    for segment in SEGMENTS:  # links included
        _, samples = _pair(random_orders, segment)
        curve = tail_curve(samples, points=50)
        assert curve is not None
        assert curve.count == samples.size
        for value, share in zip(curve.values_ns, curve.share, strict=True):
            assert share == pytest.approx(np.mean(samples >= value), abs=1e-12)
        assert curve.values_ns[-1] == samples.max()  # the maximum is always kept
        for label, q in TAIL_PERCENTILES:
            assert curve.percentiles_ns[label] == int(
                np.percentile(samples, q * 100, method="inverted_cdf"))
    assert tail_curve(np.zeros(0, np.int64)) is None


def test_tail_curve_keeps_the_tail_dense() -> None:
    """Thinned to 100 points out of 100,000, the slowest 1% still holds a third of them."""
    samples = np.arange(100_000, dtype=np.int64)
    curve = tail_curve(samples, points=100)
    assert curve is not None
    assert len(curve.values_ns) <= 100
    assert np.sum(curve.share <= 0.01) >= 33


def test_zoom_windows_span_five_lengths_either_side_clipped_to_the_run() -> None:
    summary: dict[str, Any] = {"sim_start_ns": 1_000, "sim_end_ns": 1_000_000,
                               "faults": [
                                   {"kind": "pause", "subject": "risk", "start_ns": 500_000,
                                    "end_ns": 510_000},
                                   {"kind": "failover", "subject": "matching",
                                    "start_ns": 2_000, "end_ns": 12_000}]}
    first, second = zoom_windows(summary)
    assert (first.grid.lo_ns, first.grid.hi_ns) == (450_000, 560_000)
    assert first.label == "pause risk"
    assert first.grid.start_ns == 450_000
    assert first.grid.width_ns * first.grid.count >= 110_000
    assert (second.grid.lo_ns, second.grid.hi_ns) == (1_000, 62_000)  # clipped at the start


def test_zoom_series_show_an_outage() -> None:
    """Orders sent inside a 10 us window wait it out: the zoom's p99 and rates say so."""
    from tests.unit.report.conftest import make_orders

    rows = []
    for sent in range(0, 200_000, 1_000):
        held = 110_000 - sent if 100_000 <= sent < 110_000 else 0
        rows.append({"ts_sent_ns": sent, "ts_matching_in_ns": sent + 500 + held,
                     "ts_matching_out_ns": sent + 1_000 + held, "ts_ack_ns": sent + 2_000 + held})
    orders = make_orders(rows)
    summary = {"sim_start_ns": 0, "sim_end_ns": 201_000, "faults": [
        {"kind": "failover", "subject": "matching", "start_ns": 100_000, "end_ns": 110_000}]}
    (window,) = zoom_windows(summary)
    table = latency_over_time(orders, window.grid, ["end_to_end"])
    width = window.grid.width_ns
    inside = table.filter((pl.col("interval_start_ns") + width > 100_000)
                          & (pl.col("interval_start_ns") < 110_000))
    outside = table.filter((pl.col("interval_start_ns") + width <= 100_000)
                           | (pl.col("interval_start_ns") >= 110_000))
    assert inside.get_column("max").max() == 12_000  # sent at the failure, held 10 us
    assert inside.get_column("p99").to_list()[:3] == [12_000, 11_000, 10_000]
    assert outside.get_column("max").max() == 2_000
    rates = stamp_rates(orders, window.grid, ["ts_sent_ns", "ts_matching_out_ns"])
    starts = window.grid.edges()[:-1]
    during = (starts >= 101_000) & (starts + window.grid.width_ns <= 110_000)
    assert during.any()
    assert np.all(rates["ts_matching_out_ns"][during] == 0)
    assert np.count_nonzero(rates["ts_sent_ns"][during]) >= len(rates["ts_sent_ns"][during]) - 1
    sent = orders.get_column("ts_sent_ns").to_numpy()
    for index in np.flatnonzero(window.grid.covered_ns() == window.grid.width_ns):
        count = np.sum((sent >= starts[index]) & (sent < starts[index] + window.grid.width_ns))
        assert rates["ts_sent_ns"][index] == pytest.approx(count * 1e9 / window.grid.width_ns)


def test_edge_buckets_are_normalised_by_their_real_width_or_dropped() -> None:
    """A last bucket 30% inside the run is scaled to that 30%; one 1 ns inside is left out."""
    from tests.unit.report.conftest import make_orders

    def orders_until(last: int) -> pl.DataFrame:
        return make_orders([{"ts_sent_ns": t, "ts_gateway_in_ns": t, "ts_gateway_start_ns": t,
                             "ts_gateway_out_ns": t, "ts_ack_ns": t}
                            for t in range(0, last + 1, 100)])

    orders = orders_until(1_399)  # buckets of 1,000: [0, 1000) full, [1000, 1301) inside
    timeline = pl.from_arrow(build_timeline(orders, 1_000))
    assert isinstance(timeline, pl.DataFrame)
    grid = timeline_grid(timeline, orders)
    starts, values = normalised_rates(timeline, grid, "throughput_per_s", "gateway")
    assert list(starts) == [0, 1_000]
    assert values[0] == pytest.approx(10 * 1e9 / 1_000)
    assert values[1] == pytest.approx(4 * 1e9 / 301)  # 4 completions, 1000..1300 inclusive
    short = orders_until(1_049)
    timeline = pl.from_arrow(build_timeline(short, 1_000))
    assert isinstance(timeline, pl.DataFrame)
    starts, _ = normalised_rates(timeline, timeline_grid(timeline, short), "throughput_per_s",
                                 "gateway")
    assert list(starts) == [0]


def test_fill_rates_match_numpy(random_orders: pl.DataFrame) -> None:
    grid = Grid(0, 500_000, 12, 0, 6_000_000)
    rates = fill_rates(random_orders, grid)
    sent = random_orders.get_column("ts_sent_ns").to_numpy()
    filled = random_orders.get_column("outcome").is_in(["filled", "partial"]).to_numpy()
    for index in range(grid.count):
        inside = (sent // grid.width_ns == index) if index < grid.count - 1 else (
            sent // grid.width_ns >= index)
        if inside.any():
            assert rates[index] == pytest.approx(filled[inside].mean())
        else:
            assert np.isnan(rates[index])
