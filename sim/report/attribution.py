"""Tail attribution: which stage or link made the slowest orders slow.

An order's end-to-end time splits into the hops of ``sim.report.summary.SEGMENTS``
(links and stages, in path order). For the slowest ``fraction`` of orders by end to
end, each order is charged to its *dominant* hop, the one that took the most of its
time (ties go to the earlier hop). Hops an order never reached are skipped; an order
with no hop at all (for example routed straight to matching) counts as
``unattributed``.

Given the run's fault windows (``summary["faults"]``), an order a fault held is charged
to that fault instead, named ``"<kind> <subject>"`` (``failover matching``): an order
with ``outage_delay_ns > 0`` to the failover whose outage window overlaps its time in
flight; otherwise an order whose dominant hop is the fault's subject (the stage a
``pause`` stalls, the link a ``partition`` or ``link_degrade`` acts on) and overlaps its
window. The fault's ``mean_ns`` is the mean time it held its orders (the outage delay,
or the dominant hop's time).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import polars as pl
import pyarrow as pa

from sim.report.summary import SEGMENTS

HOPS: Final[tuple[str, ...]] = tuple(name for name in SEGMENTS if name != "end_to_end")
"""The stages and links of an order's path, in path order."""

UNATTRIBUTED: Final[str] = "unattributed"

ATTRIBUTION_SCHEMA: Final[pa.Schema] = pa.schema(
    [
        ("component", pa.string()),
        ("orders", pa.int64()),
        ("share", pa.float64()),
        ("mean_ns", pa.float64()),
    ]
)
"""Columns of :func:`tail_attribution`: dominant hop, orders it dominated, their share,
and the mean time that hop took over all the tail orders that reached it."""


def as_polars(orders: pl.DataFrame | pa.Table) -> pl.DataFrame:
    """Accept an orders table as polars or Arrow and return it as polars."""
    if isinstance(orders, pl.DataFrame):
        return orders
    frame = pl.from_arrow(orders)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _segment(frame: pl.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Durations (int64, 0 where missing) and a validity mask of one segment."""
    start_name, end_name = SEGMENTS[name]
    start, end = frame.get_column(start_name), frame.get_column(end_name)
    valid = (start.is_not_null() & end.is_not_null()).to_numpy()
    values = (end.fill_null(0) - start.fill_null(0)).cast(pl.Int64).to_numpy()
    return np.where(valid, values, 0).astype(np.int64), valid


def tail_orders_mask(frame: pl.DataFrame, fraction: float) -> np.ndarray:
    """Boolean mask of the slowest ``ceil(fraction * n)`` orders by end to end.

    Only orders with both ``ts_sent_ns`` and ``ts_ack_ns`` count; ties are broken by
    row order so the selection is deterministic.
    """
    end_to_end, valid = _segment(frame, "end_to_end")
    rows = np.flatnonzero(valid)
    mask = np.zeros(frame.height, dtype=bool)
    if rows.size == 0:
        return mask
    keep = max(1, math.ceil(fraction * rows.size))
    order = np.argsort(-end_to_end[rows], kind="stable")
    mask[rows[order[:keep]]] = True
    return mask


def fault_label(fault: Mapping[str, Any]) -> str:
    """The name a fault is charged under: ``"<kind> <subject>"``."""
    return f"{fault['kind']} {fault['subject']}"


def _hop_of(fault: Mapping[str, Any]) -> str | None:
    """The hop a fault acts on (a stage or ``link.<name>``), or None (kill switches)."""
    subject = str(fault.get("subject", ""))
    for hop in (subject, f"link.{subject}"):
        if hop in HOPS:
            return hop
    return None


def _fault_causes(frame: pl.DataFrame, tail: np.ndarray, dominant: np.ndarray,
                  durations: np.ndarray, faults: Sequence[Mapping[str, Any]]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Per tail order, the index of the fault that held it (-1: none) and the time held."""
    cause = np.full(int(tail.sum()), -1, dtype=np.int64)
    held = np.zeros(int(tail.sum()), dtype=np.int64)
    sent = frame.get_column("ts_sent_ns").fill_null(0).cast(pl.Int64).to_numpy()[tail]
    ack = frame.get_column("ts_ack_ns").fill_null(0).cast(pl.Int64).to_numpy()[tail]
    delay = (frame.get_column("outage_delay_ns").fill_null(0).cast(pl.Int64).to_numpy()[tail]
             if "outage_delay_ns" in frame.columns else np.zeros(cause.size, np.int64))
    for index, fault in enumerate(faults):
        start, end = int(fault["start_ns"]), int(fault["end_ns"])
        if fault.get("kind") == "failover":
            hit = (cause < 0) & (delay > 0) & (sent < end) & (ack >= start)
            held = np.where(hit, delay, held)
        else:
            hop = _hop_of(fault)
            if hop is None:
                continue
            first, _ = SEGMENTS[hop]
            hop_start = frame.get_column(first).fill_null(0).cast(pl.Int64).to_numpy()[tail]
            spent = durations[HOPS.index(hop)]
            hit = ((cause < 0) & (dominant == HOPS.index(hop)) & (spent >= 0)
                   & (hop_start < end) & (hop_start + spent >= start))
            held = np.where(hit, spent, held)
        cause = np.where(hit, index, cause)
    return cause, held


def tail_attribution(orders: pl.DataFrame | pa.Table, fraction: float = 0.01,
                     faults: Sequence[Mapping[str, Any]] = ()) -> pa.Table:
    """Count the slowest orders by what held them; one row per hop, fault, ``unattributed``.

    Args:
        orders: the run's ``orders.parquet`` table.
        fraction: share of orders (by end to end) that make up the tail.
        faults: the run's ``summary["faults"]`` windows; an order one held is charged
            to it (see the module docstring). Without them, hops only.

    Returns:
        A table with :data:`ATTRIBUTION_SCHEMA`: hops in path order, then each fault
        that held a tail order (in fault order), then ``unattributed``.
    """
    frame = as_polars(orders)
    tail = tail_orders_mask(frame, fraction)
    durations = np.full((len(HOPS), int(tail.sum())), -1, dtype=np.int64)
    for index, hop in enumerate(HOPS):
        values, valid = _segment(frame, hop)
        durations[index] = np.where(valid[tail], values[tail], -1)
    reached = durations >= 0
    dominant = np.argmax(durations, axis=0) if durations.shape[1] else np.zeros(0, np.int64)
    attributed = reached.any(axis=0)
    cause, held = _fault_causes(frame, tail, dominant, durations, faults)
    by_hop = attributed & (cause < 0)
    total = max(int(tail.sum()), 1)
    components, counts, means = [], [], []
    for index, hop in enumerate(HOPS):
        components.append(hop)
        counts.append(int(np.sum(by_hop & (dominant == index))))
        hop_reached = reached[index]
        means.append(float(durations[index][hop_reached].mean()) if hop_reached.any() else 0.0)
    for index, fault in enumerate(faults):
        mine = cause == index
        if mine.any():
            components.append(fault_label(fault))
            counts.append(int(mine.sum()))
            means.append(float(held[mine].mean()))
    components.append(UNATTRIBUTED)
    counts.append(int(np.sum(~attributed & (cause < 0))))
    means.append(0.0)
    shares = [count / total for count in counts]
    return pa.table(
        {"component": components, "orders": counts, "share": shares, "mean_ns": means},
        schema=ATTRIBUTION_SCHEMA,
    )
