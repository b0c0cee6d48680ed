"""The numbers behind the report's time and tail plots, kept apart from their drawing.

Each plot of ``plots.py`` / ``plot_time.py`` is a *data* function here (tables and
arrays in integer ns, testable against ``orders.parquet`` with plain numpy) and a
*draw* function there. Aggregates are computed per interval with polars group-bys over
two stamp columns at a time, never a copy of the whole orders table.

Conventions every plot shares:

- **Time** is drawn in seconds from the run's start (``summary["sim_start_ns"]``); the
  absolute start is printed once, as UTC, in the axis label and the caption.
- **Buckets** are a :class:`Grid` of equal intervals. A latency sample is put in the
  bucket of its segment's *first* stamp (end to end: when the order was sent; a stage:
  when the order arrived there), so a spike sits where the slow orders entered.
- **Percentiles** are inverted-CDF (the ``ceil(q * n)``-th smallest sample), as in
  ``summary.json``: every plotted value is an observed latency.
- **Edge buckets** of rate series are normalised by the part of them inside the run's
  activity (first to last order stamp); an edge bucket covering less than
  :data:`MIN_EDGE_SHARE` of its width is dropped, since a rate over a sliver is noise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import numpy as np
import polars as pl

from sim.report.summary import SEGMENTS

MIN_EDGE_SHARE: Final[float] = 0.1
"""Edge buckets covering less than this share of an interval are left out of rate plots."""

TAIL_PERCENTILES: Final[tuple[tuple[str, float], ...]] = (
    ("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999), ("p99.99", 0.9999))
"""Percentiles marked on the tail plot, as (label, quantile)."""

TAIL_POINTS: Final[int] = 2_000
"""Most points kept per tail curve (spaced geometrically in rank, dense in the tail)."""

ZOOM_FACTOR: Final[int] = 5
"""A zoomed panel shows its window plus this many window lengths either side."""

ZOOM_BUCKETS: Final[int] = 120
"""Buckets across a zoomed panel."""

LATENCY_STATS: Final[tuple[tuple[str, float | None], ...]] = (
    ("p50", 0.5), ("p99", 0.99), ("max", None))
"""Per-interval statistics of the latency-over-time plots (``None``: the maximum)."""


@dataclass(frozen=True)
class Grid:
    """``count`` equal buckets of ``width_ns`` from ``start_ns``; rates use ``[lo, hi)`` only."""

    start_ns: int
    width_ns: int
    count: int
    lo_ns: int
    hi_ns: int

    def edges(self) -> np.ndarray:
        """Bucket edges (``count + 1`` int64 values)."""
        return self.start_ns + self.width_ns * np.arange(self.count + 1, dtype=np.int64)

    def covered_ns(self) -> np.ndarray:
        """Per bucket, the ns of it inside ``[lo_ns, hi_ns)`` (the real width of edge buckets)."""
        edges = self.edges()
        covered: np.ndarray = np.clip(
            np.minimum(edges[1:], self.hi_ns) - np.maximum(edges[:-1], self.lo_ns), 0, None)
        return covered

    def kept(self) -> np.ndarray:
        """Buckets a rate is drawn for: at least :data:`MIN_EDGE_SHARE` of them inside the run."""
        keep: np.ndarray = self.covered_ns() >= MIN_EDGE_SHARE * self.width_ns
        return keep


def run_span(summary: Mapping[str, Any]) -> tuple[int, int]:
    """The run's ``[sim_start_ns, sim_end_ns]``; the end is at least the start plus 1 ns."""
    start = int(summary.get("sim_start_ns") or 0)
    return start, max(int(summary.get("sim_end_ns") or 0), start + 1)


def utc_text(ns: int) -> str:
    """An absolute simulated time as ``2026-01-02 14:30:00.000032256 UTC``."""
    seconds, rest = divmod(int(ns), 1_000_000_000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"{stamp}.{rest:09d} UTC"


def seconds_from(origin_ns: int, stamps: np.ndarray | int) -> Any:
    """Seconds from ``origin_ns`` (float; the run's start is 0)."""
    return (np.asarray(stamps, dtype=np.int64) - origin_ns) / 1e9


def activity_span(orders: pl.DataFrame) -> tuple[int, int] | None:
    """``[first, last + 1)`` over every ``ts_*_ns`` stamp of the orders; None without stamps.

    Rates are normalised by the part of an edge bucket inside this span, not the
    simulated span: a run's clock may go on past its last order (timers, snapshots).
    """
    columns = [c for c in orders.columns if c.startswith("ts_") and c.endswith("_ns")]
    if not columns:
        return None
    bounds = orders.select(
        pl.min_horizontal(*(pl.col(c).cast(pl.Int64).min() for c in columns)).alias("lo"),
        pl.max_horizontal(*(pl.col(c).cast(pl.Int64).max() for c in columns)).alias("hi"),
    ).row(0)
    if bounds[0] is None or bounds[1] is None:
        return None
    return int(bounds[0]), int(bounds[1]) + 1


def timeline_grid(timeline: pl.DataFrame, orders: pl.DataFrame) -> Grid:
    """The timeline table's own buckets; the part inside the run is the orders' activity."""
    starts = timeline.get_column("interval_start_ns").unique().sort().to_numpy()
    if starts.size == 0:
        return Grid(0, 1, 1, 0, 1)
    first = timeline.row(0, named=True)
    width = int(first["interval_end_ns"] - first["interval_start_ns"])
    start = int(starts[0])
    lo, hi = activity_span(orders) or (start, start + width * int(starts.size))
    return Grid(start, width, int(starts.size), lo, hi)


def normalised_rates(timeline: pl.DataFrame, grid: Grid, column: str,
                     component: str) -> tuple[np.ndarray, np.ndarray]:
    """Bucket starts and ``column`` of one component, rescaled to each bucket's real width.

    Rates (``throughput_per_s``, ``queue_depth_mean``, ``utilisation``) are divided by
    the interval length in ``timeline.parquet``; an edge bucket only partly inside the
    run is scaled by ``width / covered``, and one under :data:`MIN_EDGE_SHARE` dropped.
    """
    rows = timeline.filter(pl.col("component") == component).sort("interval_start_ns")
    values = rows.get_column(column).to_numpy().astype(np.float64)
    covered = grid.covered_ns().astype(np.float64)
    keep = grid.kept()
    scaled = np.divide(values * grid.width_ns, covered, out=np.zeros_like(values),
                       where=covered > 0)
    starts = grid.edges()[:-1]
    return starts[keep], scaled[keep]


def _quantile(q: float) -> pl.Expr:
    """Inverted-CDF quantile of ``latency_ns`` inside a group (the ceil(q n)-th smallest)."""
    rank = (pl.len() * q).ceil().cast(pl.Int64) - 1
    return pl.col("latency_ns").sort().get(rank)


def latency_over_time(orders: pl.DataFrame, grid: Grid,
                      segments: Iterable[str]) -> pl.DataFrame:
    """Per bucket and segment: ``count``, ``p50``, ``p99``, ``max`` latency in ns.

    A sample goes to the bucket of its segment's first stamp; buckets without samples
    have no row. Columns: ``segment``, ``bucket``, ``interval_start_ns``, ``count`` and
    the :data:`LATENCY_STATS`, sorted by segment order then bucket.
    """
    parts = []
    for order, segment in enumerate(segments):
        first, last = SEGMENTS[segment]
        samples = orders.select(
            pl.col(first).cast(pl.Int64).alias("t"),
            (pl.col(last).cast(pl.Int64) - pl.col(first).cast(pl.Int64)).alias("latency_ns"),
        ).drop_nulls()
        bucket = (pl.col("t") - grid.start_ns) // grid.width_ns
        stats = [(_quantile(q) if q is not None else pl.col("latency_ns").max()).alias(name)
                 for name, q in LATENCY_STATS]
        grouped = (samples.with_columns(bucket.alias("bucket"))
                   .filter((pl.col("bucket") >= 0) & (pl.col("bucket") < grid.count))
                   .group_by("bucket").agg(pl.len().cast(pl.Int64).alias("count"), *stats)
                   .with_columns(pl.lit(segment).alias("segment"), pl.lit(order).alias("order"),
                                 (pl.col("bucket") * grid.width_ns + grid.start_ns)
                                 .alias("interval_start_ns")))
        parts.append(grouped)
    columns = ["segment", "bucket", "interval_start_ns", "count",
               *(name for name, _ in LATENCY_STATS)]
    if not parts:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.Int64) | {"segment": pl.Utf8})
    return pl.concat(parts).sort("order", "bucket").select(columns)


def stamp_rates(orders: pl.DataFrame, grid: Grid,
                columns: Sequence[str]) -> dict[str, np.ndarray]:
    """Per bucket, stamps of each column per second of the bucket's real width (0 if none)."""
    covered = grid.covered_ns().astype(np.float64)
    rates = {}
    for column in columns:
        stamps = orders.get_column(column).drop_nulls().cast(pl.Int64).to_numpy()
        counts = np.bincount(((stamps - grid.start_ns) // grid.width_ns)[
            (stamps >= grid.start_ns) & (stamps < grid.start_ns + grid.width_ns * grid.count)],
            minlength=grid.count).astype(np.float64)
        rates[column] = np.divide(counts * 1e9, covered, out=np.zeros_like(counts),
                                  where=covered > 0)
    return rates


@dataclass(frozen=True)
class ZoomWindow:
    """One fault's window and the span its zoomed panel shows (absolute ns)."""

    label: str
    start_ns: int
    end_ns: int
    grid: Grid


def zoom_windows(summary: Mapping[str, Any]) -> list[ZoomWindow]:
    """A zoom per fault window: ``window +- ZOOM_FACTOR x its length``, clipped to the run."""
    run_lo, run_hi = run_span(summary)
    windows = []
    for fault in summary.get("faults", []) or []:
        if not isinstance(fault.get("start_ns"), int) or not isinstance(fault.get("end_ns"), int):
            continue
        start, end = int(fault["start_ns"]), int(fault["end_ns"])
        length = max(end - start, 1)
        lo = max(start - ZOOM_FACTOR * length, run_lo)
        hi = max(min(end + ZOOM_FACTOR * length, run_hi + 1), lo + 1)
        width = max(math.ceil((hi - lo) / ZOOM_BUCKETS), 1)
        grid = Grid(lo, width, math.ceil((hi - lo) / width), lo, hi)
        windows.append(ZoomWindow(f"{fault['kind']} {fault['subject']}", start, end, grid))
    return windows


@dataclass(frozen=True)
class TailCurve:
    """One segment's complementary CDF: ``share[i]`` of samples are ``>= values_ns[i]``."""

    values_ns: np.ndarray
    share: np.ndarray
    percentiles_ns: dict[str, int]
    count: int


def tail_curve(samples: np.ndarray, points: int = TAIL_POINTS) -> TailCurve | None:
    """The CCDF ``P(X >= x)`` of int ns samples, thinned to about ``points`` ranks.

    Ranks are spaced geometrically from the top, so the last 1% keeps as many points as
    the body; each kept rank is moved to the first of its ties so ``share`` is exact.
    """
    ordered = np.sort(np.asarray(samples, dtype=np.int64))
    n = int(ordered.size)
    if n == 0:
        return None
    from_top = np.unique(np.geomspace(n, 1, num=min(points, n)).round().astype(np.int64))
    ranks = np.unique(np.searchsorted(ordered, ordered[n - from_top], side="left"))
    percentiles = {label: int(ordered[max(math.ceil(q * n) - 1, 0)])
                   for label, q in TAIL_PERCENTILES}
    return TailCurve(ordered[ranks], (n - ranks) / n, percentiles, n)
