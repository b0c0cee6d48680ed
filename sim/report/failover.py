"""The ``failover`` section of ``summary.json``: how long a dead component was out, and its cost.

A failover of ``<target>`` reaches the report in two places. The run's component
counters hold ``failover.<target>``, a flat ``name -> int`` mapping with the
controller's stamps and counts (:data:`FAILOVER_KEYS`); the orders table holds
``outage_delay_ns``, 0 for orders the outage did not hold and, for a held order,
the time from its first loss to its successful arrival at the target. The outage
window is ``[failed_at_ns, outage_end_ns)``: from the primary's death until senders
are redirected to the promoted standby.

Per target the section gives the detection time, the outage window, the recovery
breakdown (snapshot load, WAL replay, redirect), message and order counts, the resend
storm (``resends``: total, most of one message, the timer schedule used), the
extra latency of delayed orders (``outage_delay_ns > 0``), and the end-to-end
latency of requests *sent* inside the window against those sent outside it (every
request with both stamps, as ``latency_ns.end_to_end`` counts them). A run without a
failover gets no section at all, so its summary keeps exactly its old keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import pyarrow as pa

from sim.core.resend_backoff import ResendBackoff
from sim.report.summary import latency_stats
from sim.report.timeline import ReportError

FAILOVER_PREFIX: Final[str] = "failover."
"""Component counters of a failover are named ``failover.<target>``."""

DELAY_COLUMN: Final[str] = "outage_delay_ns"
"""Orders column: time an order was held by an outage (0 when it was not)."""

FAILOVER_KEYS: Final[tuple[str, ...]] = (
    "failed_at_ns",
    "detected_at_ns",
    "recovered_at_ns",
    "outage_end_ns",
    "snapshot_at_ns",
    "snapshot_load_ns",
    "wal_records_replayed",
    "replay_ns",
    "messages_lost",
    "retransmits",
    "max_retransmits_per_message",
    "retransmit_timeout_ns",
    "retransmit_backoff",
    "retransmit_max_timeout_ns",
    "orders_delayed",
)
"""Counters every ``failover.<target>`` component entry must hold."""

DELAY_STATS: Final[tuple[str, ...]] = ("count", "mean", "p50", "p99", "max")
"""Statistics of ``outage_delay_ns`` over the delayed orders."""

WINDOW_STATS: Final[tuple[str, ...]] = ("count", "p50", "p99")
"""End-to-end statistics of requests sent inside and outside the outage window."""


def failovers(components: Mapping[str, Mapping[str, int]]) -> dict[str, Mapping[str, int]]:
    """The ``failover.<target>`` counters by target, sorted by target; empty without one.

    Raises:
        ReportError: an entry lacks one of :data:`FAILOVER_KEYS`.
    """
    found: dict[str, Mapping[str, int]] = {}
    for name in sorted(components):
        if not name.startswith(FAILOVER_PREFIX):
            continue
        figures = components[name]
        missing = [key for key in FAILOVER_KEYS if key not in figures]
        if missing:
            raise ReportError(
                f"components[{name!r}] lacks {', '.join(missing)}; the failover controller "
                f"must report every one of {', '.join(FAILOVER_KEYS)}"
            )
        found[name.removeprefix(FAILOVER_PREFIX)] = figures
    return found


def outage_window(figures: Mapping[str, int]) -> tuple[int, int]:
    """The outage window ``[failed_at_ns, outage_end_ns)`` of one failover's counters."""
    return int(figures["failed_at_ns"]), int(figures["outage_end_ns"])


def _pick(stats: Mapping[str, float | int], keys: tuple[str, ...]) -> dict[str, float | int]:
    return {key: stats[key] for key in keys if key in stats}


def _delays(orders: pa.Table) -> np.ndarray:
    """``outage_delay_ns`` of the orders the outage held (values > 0), as int64."""
    if DELAY_COLUMN not in orders.column_names:
        raise ReportError(
            f"orders table has no column {DELAY_COLUMN!r}, but the run reports a failover; "
            "the recorder must write it (0 for orders the outage did not hold)"
        )
    values = orders.column(DELAY_COLUMN).fill_null(0).to_numpy(zero_copy_only=False)
    delays: np.ndarray = values[values > 0].astype(np.int64)
    return delays


def _end_to_end_by_send_time(orders: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Send stamp and end-to-end latency of every request that has both stamps."""
    sent, ack = orders.column("ts_sent_ns"), orders.column("ts_ack_ns")
    both = np.logical_and(sent.is_valid().to_numpy(zero_copy_only=False),
                          ack.is_valid().to_numpy(zero_copy_only=False))
    sent_ns = sent.fill_null(0).to_numpy(zero_copy_only=False)[both].astype(np.int64)
    ack_ns = ack.fill_null(0).to_numpy(zero_copy_only=False)[both].astype(np.int64)
    return sent_ns, ack_ns - sent_ns


def resend_figures(figures: Mapping[str, int]) -> dict[str, Any]:
    """Resends of one failover: total, most of one message, and the timer schedule used.

    ``timers_ns`` lists the timers from the first to the cap (the last one repeats).
    """
    backoff = ResendBackoff(int(figures["retransmit_timeout_ns"]),
                            int(figures["retransmit_backoff"]),
                            int(figures["retransmit_max_timeout_ns"]))
    return {
        "total": int(figures["retransmits"]),
        "max_per_message": int(figures["max_retransmits_per_message"]),
        "schedule": {
            "timeout_ns": backoff.timeout_ns,
            "backoff": backoff.factor,
            "max_timeout_ns": backoff.cap_ns,
            "timers_ns": backoff.timers(),
        },
    }


def target_figures(figures: Mapping[str, int], delays: np.ndarray, sent_ns: np.ndarray,
                   end_to_end_ns: np.ndarray, lost: int) -> dict[str, Any]:
    """The section of one target (see the module docstring for what each figure means)."""
    start_ns, end_ns = outage_window(figures)
    inside = (sent_ns >= start_ns) & (sent_ns < end_ns)
    return {
        "detection_ns": int(figures["detected_at_ns"]) - int(figures["failed_at_ns"]),
        "outage": {"start_ns": start_ns, "end_ns": end_ns, "duration_ns": end_ns - start_ns},
        "recovery": {
            "detected_at_ns": int(figures["detected_at_ns"]),
            "snapshot_at_ns": int(figures["snapshot_at_ns"]),
            "snapshot_load_ns": int(figures["snapshot_load_ns"]),
            "wal_records_replayed": int(figures["wal_records_replayed"]),
            "replay_ns": int(figures["replay_ns"]),
            "recovered_at_ns": int(figures["recovered_at_ns"]),
            "redirect_ns": end_ns - int(figures["recovered_at_ns"]),
        },
        "messages_lost": int(figures["messages_lost"]),
        "retransmits": int(figures["retransmits"]),
        "resends": resend_figures(figures),
        "orders_delayed": int(figures["orders_delayed"]),
        DELAY_COLUMN: _pick(latency_stats(delays), DELAY_STATS),
        "end_to_end_ns": {
            "sent_inside": _pick(latency_stats(end_to_end_ns[inside]), WINDOW_STATS),
            "sent_outside": _pick(latency_stats(end_to_end_ns[~inside]), WINDOW_STATS),
        },
        "lost": lost,
    }


def failover_summary(orders: pa.Table, components: Mapping[str, Mapping[str, int]],
                     lost: int) -> dict[str, Any]:
    """``{"failover": {target: figures}}`` when the run had a failover, else ``{}``.

    Args:
        orders: the run's orders table (needs ``outage_delay_ns`` when there is a failover).
        components: the run's component counters (``failover.<target>`` entries are used).
        lost: the run's ``orders.lost`` figure (orders not accounted for; should be 0).

    Raises:
        ReportError: a failover entry lacks a counter, or the orders lack ``outage_delay_ns``.
    """
    found = failovers(components)
    if not found:
        return {}
    delays = _delays(orders)
    sent_ns, end_to_end_ns = _end_to_end_by_send_time(orders)
    return {"failover": {
        target: target_figures(figures, delays, sent_ns, end_to_end_ns, lost)
        for target, figures in found.items()
    }}
