"""Per-interval load of each stage, derived from an orders table's stamps alone.

For a stage with stamps ``in``, ``start`` and ``out``, an order is *waiting* while
``in <= t < start`` and *in service* while ``start <= t < out``. A missing ``start``
means the order never started (it waited until ``out``, or not at all); a missing
``out`` ends service at ``start``. From these half-open spans, for each interval
``[interval_start_ns, interval_end_ns)`` and each component:

- ``arrivals``: ``in`` stamps inside the interval; ``completions``: ``out`` stamps;
- ``throughput_per_s``: completions per second of the interval;
- ``queue_depth_mean``: time-average number waiting; ``queue_depth_end``: the
  number waiting at the interval's last nanosecond;
- ``utilisation``: busy time (sum of service overlap) / (workers * interval length);
- ``fills``: orders completing this stage with ``filled_qty > 0`` (matching only);
- ``rejects``: orders rejected at this stage (``reject_stage``), by their last stamp.

Everything is exact integer arithmetic over sorted stamps (``searchsorted`` and
cumulative sums); no per-order Python loop.

The number of intervals is bounded by :data:`MAX_TIMELINE_BUCKETS`, checked before any
array is allocated: an interval asked for explicitly that would need more is refused
(the user chose it; a silently different table would surprise them), while the default
interval, "about 200 buckets", is widened to cover every stamp in about 200 buckets.
The cap is set by the plots, not the table: a 10,000-bucket timeline takes seconds to
draw; 100,000 buckets took about 50 s and an 8-inch plot shows at most 800 of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import numpy as np
import polars as pl
import pyarrow as pa

from sim.errors import DataError
from sim.report.attribution import as_polars

COMPONENTS: Final[tuple[str, ...]] = ("gateway", "risk", "matching")

TIMELINE_SCHEMA: Final[pa.Schema] = pa.schema(
    [
        ("interval_start_ns", pa.int64()),
        ("interval_end_ns", pa.int64()),
        ("component", pa.string()),
        ("workers", pa.int64()),
        ("arrivals", pa.int64()),
        ("completions", pa.int64()),
        ("throughput_per_s", pa.float64()),
        ("queue_depth_mean", pa.float64()),
        ("queue_depth_end", pa.int64()),
        ("busy_ns", pa.int64()),
        ("utilisation", pa.float64()),
        ("fills", pa.int64()),
        ("rejects", pa.int64()),
    ]
)
"""Columns of ``timeline.parquet``; rows sorted by component (path order), then time."""


MAX_TIMELINE_BUCKETS: Final[int] = 10_000
"""Most intervals a timeline may have (see the module docstring for why this many)."""


class ReportError(DataError):
    """A run folder or table cannot be reported on; the message names the file or column."""


def default_interval_ns(span_ns: int, target_intervals: int = 200) -> int:
    """A round interval (1, 2 or 5 times a power of ten ns) giving about ``target_intervals``."""
    raw = max(span_ns // max(target_intervals, 1), 1)
    magnitude = int(10 ** (len(str(raw)) - 1))
    for step in (1, 2, 5, 10):
        if step * magnitude >= raw:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - loop always returns


def _stamps(frame: pl.DataFrame, name: str) -> np.ndarray:
    """A stamp column as int64 with -1 for null (stamps are never negative)."""
    if name not in frame.columns:
        raise ReportError(f"orders table has no column {name!r}; is it a ticktwin orders.parquet?")
    return frame.get_column(name).cast(pl.Int64).fill_null(-1).to_numpy().astype(np.int64)


def _integral(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Per interval, the total overlap of spans ``[starts, ends)`` with ``[edges[k], edges[k+1])``.

    Uses ``F(T) = sum(min(end, T)) - sum(min(start, T))``, the integral of the count of
    open spans over ``(-inf, T)``; each interval's overlap is a difference of ``F``.
    """

    def sum_min(values: np.ndarray) -> np.ndarray:
        ordered = np.sort(values)
        below = np.searchsorted(ordered, edges, side="left")
        prefix = np.concatenate(([0], np.cumsum(ordered, dtype=np.int64)))
        result: np.ndarray = prefix[below] + edges * (ordered.size - below)
        return result

    cumulative = sum_min(ends) - sum_min(starts)
    overlap: np.ndarray = np.diff(cumulative).astype(np.int64)
    return overlap


def _count_in(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """How many values fall in each interval ``[edges[k], edges[k+1])``."""
    ordered = np.sort(values)
    return np.diff(np.searchsorted(ordered, edges, side="left")).astype(np.int64)


def _open_at(starts: np.ndarray, ends: np.ndarray, instants: np.ndarray) -> np.ndarray:
    """How many spans ``[starts, ends)`` contain each instant."""
    opened = np.searchsorted(np.sort(starts), instants, side="right")
    closed = np.searchsorted(np.sort(ends), instants, side="right")
    return (opened - closed).astype(np.int64)


def stamp_range(frame: pl.DataFrame) -> tuple[int, int] | None:
    """Earliest and latest stamp of any ``ts_*_ns`` column; ``None`` when there is none."""
    columns = [c for c in frame.columns if c.startswith("ts_") and c.endswith("_ns")]
    stamps = [_stamps(frame, c) for c in columns]
    every = np.concatenate(stamps) if stamps else np.zeros(0, np.int64)
    every = every[every >= 0]
    if every.size == 0:
        return None
    return int(every.min()), int(every.max())


def bucket_count(first_ns: int, last_ns: int, interval_ns: int) -> int:
    """Intervals aligned to multiples of ``interval_ns`` needed to cover ``[first, last]``."""
    return last_ns // interval_ns - first_ns // interval_ns + 1


def _grid(stamps: tuple[int, int] | None, interval_ns: int) -> np.ndarray:
    """Interval edges aligned to multiples of ``interval_ns`` covering every stamp."""
    if stamps is None:
        return np.array([0, interval_ns], dtype=np.int64)
    first = stamps[0] // interval_ns * interval_ns
    last = (stamps[1] // interval_ns + 1) * interval_ns
    return np.arange(first, last + 1, interval_ns, dtype=np.int64)


def checked_interval(
    stamps: tuple[int, int] | None, interval_ns: int, explicit: bool, source: str
) -> int:
    """``interval_ns``, widened (default) or refused (explicit) past the bucket cap.

    Args:
        stamps: earliest and latest stamp to cover (``None``: no stamps, one bucket).
        interval_ns: the interval asked for.
        explicit: refuse rather than widen when the cap would be passed.
        source: what to name in the error.

    Raises:
        ReportError: ``explicit`` and more than :data:`MAX_TIMELINE_BUCKETS` buckets needed.
    """
    if stamps is None or bucket_count(*stamps, interval_ns) <= MAX_TIMELINE_BUCKETS:
        return interval_ns
    if not explicit:
        return default_interval_ns(stamps[1] - stamps[0] + 1)
    needed = bucket_count(*stamps, interval_ns)
    span = stamps[1] - stamps[0] + 1
    smallest = -(-span // (MAX_TIMELINE_BUCKETS - 1))
    raise ReportError(
        f"{source}: a timeline of {interval_ns:,} ns intervals over its {span:,} ns of stamps "
        f"would need {needed:,} buckets, more than the cap of {MAX_TIMELINE_BUCKETS:,}; "
        f"set report.timeline_interval to at least {smallest:,} ns (or leave it unset)"
    )


def _component_rows(
    frame: pl.DataFrame, component: str, workers: int, edges: np.ndarray
) -> dict[str, np.ndarray]:
    """Timeline columns of one component over the intervals ``edges`` define."""
    stamp_in = _stamps(frame, f"ts_{component}_in_ns")
    stamp_start = _stamps(frame, f"ts_{component}_start_ns")
    stamp_out = _stamps(frame, f"ts_{component}_out_ns")
    arrived = stamp_in >= 0
    wait_end = np.where(stamp_start >= 0, stamp_start, np.maximum(stamp_out, stamp_in))
    started = stamp_start >= 0
    service_end = np.maximum(stamp_out, stamp_start)
    interval_ns = int(edges[1] - edges[0])
    waiting_ns = _integral(stamp_in[arrived], wait_end[arrived], edges)
    busy_ns = _integral(stamp_start[started], service_end[started], edges)
    completions = _count_in(stamp_out[stamp_out >= 0], edges)
    last_stamp = np.maximum(np.maximum(stamp_in, stamp_start), stamp_out)
    rejected = (frame.get_column("reject_stage").cast(pl.Utf8) == component).fill_null(False)
    filled = frame.get_column("filled_qty").fill_null(0).to_numpy() > 0
    completed_filled = filled & (stamp_out >= 0) if component == "matching" else filled & False
    count = edges.size - 1
    return {
        "interval_start_ns": edges[:-1],
        "interval_end_ns": edges[1:],
        "component": np.array([component] * count, dtype=object),
        "workers": np.full(count, workers, dtype=np.int64),
        "arrivals": _count_in(stamp_in[arrived], edges),
        "completions": completions,
        "throughput_per_s": completions * 1e9 / interval_ns,
        "queue_depth_mean": waiting_ns / interval_ns,
        "queue_depth_end": _open_at(stamp_in[arrived], wait_end[arrived], edges[1:] - 1),
        "busy_ns": busy_ns,
        "utilisation": busy_ns / (max(workers, 1) * interval_ns),
        "fills": _count_in(stamp_out[completed_filled], edges),
        "rejects": _count_in(last_stamp[rejected.to_numpy() & (last_stamp >= 0)], edges),
    }


def build_timeline(
    orders: pl.DataFrame | pa.Table,
    interval_ns: int,
    workers: Mapping[str, int] | None = None,
    *,
    explicit: bool = True,
    source: str = "orders table",
) -> pa.Table:
    """Per-interval arrivals, throughput, queue depth, utilisation, fills and rejects.

    Args:
        orders: the run's ``orders.parquet`` table (polars or Arrow).
        interval_ns: interval length; intervals are aligned to its multiples.
        workers: parallel capacity per component (default 1) for utilisation.
        explicit: whether the user chose ``interval_ns`` (refused past the bucket cap)
            or it is a default (widened to about 200 buckets past the cap).
        source: what to name in errors (the orders file).

    Returns:
        A table with :data:`TIMELINE_SCHEMA`.

    Raises:
        ReportError: ``interval_ns`` is not positive, an explicit one needs more than
            :data:`MAX_TIMELINE_BUCKETS` buckets, or a stamp column is missing.
    """
    if interval_ns <= 0:
        raise ReportError(f"timeline interval must be a positive number of ns, got {interval_ns}")
    frame = as_polars(orders)
    stamps = stamp_range(frame)
    interval_ns = checked_interval(stamps, interval_ns, explicit, source)
    edges = _grid(stamps, interval_ns)
    capacity = dict(workers or {})
    parts = [_component_rows(frame, name, int(capacity.get(name, 1)), edges) for name in COMPONENTS]
    columns = {
        field.name: pa.array(np.concatenate([part[field.name] for part in parts]), field.type)
        for field in TIMELINE_SCHEMA
    }
    return pa.table(columns, schema=TIMELINE_SCHEMA)
