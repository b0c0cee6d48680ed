"""Headline figures of a run, computed from its per-order table.

Latency of a stage is ``out - in`` (queue wait plus service); of a link, the next
stage's ``in`` minus the previous ``out``; end to end, ``ack - sent``. Percentiles
use the inverted-CDF definition, so every reported figure is an observed sample.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pyarrow as pa

from sim.core.vocabulary import NEW_ORDER_ACTIONS, Outcome

SCHEMA_VERSION: Final[int] = 1
PERCENTILES: Final[dict[str, float]] = {"p50": 50, "p90": 90, "p99": 99, "p99_9": 99.9}

SEGMENTS: Final[dict[str, tuple[str, str]]] = {
    "end_to_end": ("ts_sent_ns", "ts_ack_ns"),
    "link.client_to_gateway": ("ts_sent_ns", "ts_gateway_in_ns"),
    "gateway": ("ts_gateway_in_ns", "ts_gateway_out_ns"),
    "link.gateway_to_risk": ("ts_gateway_out_ns", "ts_risk_in_ns"),
    "risk": ("ts_risk_in_ns", "ts_risk_out_ns"),
    "link.risk_to_matching": ("ts_risk_out_ns", "ts_matching_in_ns"),
    "matching": ("ts_matching_in_ns", "ts_matching_out_ns"),
    "link.matching_to_client": ("ts_matching_out_ns", "ts_ack_ns"),
}
"""Each reported latency segment and the two stamps it is measured between."""

NEW_ORDER_LABELS: Final[frozenset[str]] = frozenset(action.label for action in NEW_ORDER_ACTIONS)
"""``action`` values of the requests that create an order (``add``, ``market``)."""
FINAL_OUTCOMES: Final[tuple[str, ...]] = tuple(
    outcome.label for outcome in Outcome if outcome is not Outcome.ACCEPTED)
"""Outcomes a new order can end with, in ``Outcome`` order (``accepted`` is for amends)."""


def latency_stats(values: np.ndarray) -> dict[str, float | int]:
    """Count, mean and percentiles (p50/p90/p99/p99.9/max) of int ns samples."""
    if values.size == 0:
        return {"count": 0}
    stats: dict[str, float | int] = {"count": int(values.size),
                                     "mean": round(float(values.mean()), 1)}
    for name, q in PERCENTILES.items():
        stats[name] = int(np.percentile(values, q, method="inverted_cdf"))
    stats["max"] = int(values.max())
    return stats


def segment_latencies(orders: pa.Table, segment: str) -> np.ndarray:
    """Latency samples (int ns) of one segment over the orders that have both stamps."""
    start_name, end_name = SEGMENTS[segment]
    start, end = orders.column(start_name), orders.column(end_name)
    both = np.logical_and(start.is_valid().to_numpy(zero_copy_only=False),
                          end.is_valid().to_numpy(zero_copy_only=False))
    start_ns = start.fill_null(0).to_numpy(zero_copy_only=False)
    end_ns = end.fill_null(0).to_numpy(zero_copy_only=False)
    result: np.ndarray = (end_ns[both] - start_ns[both]).astype(np.int64)
    return result


def _counts(values: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        if value is not None:
            counts[str(value)] = counts.get(str(value), 0) + 1
    return dict(sorted(counts.items()))


def order_figures(orders: pa.Table) -> dict[str, Any]:
    """Submitted, outcomes, rejects by reason, fill and reject rates, lost orders."""
    actions = orders.column("action").to_pylist()
    outcomes = orders.column("outcome").to_pylist()
    reasons = orders.column("reject_reason").to_pylist()
    new_outcomes = [o for a, o in zip(actions, outcomes, strict=True) if a in NEW_ORDER_LABELS]
    submitted = len(new_outcomes)
    by_outcome = {name: 0 for name in FINAL_OUTCOMES} | _counts(new_outcomes)
    accounted = sum(by_outcome[name] for name in FINAL_OUTCOMES)
    filled_any = by_outcome["filled"] + by_outcome["partial"]
    qty = orders.column("qty").fill_null(0).to_numpy(zero_copy_only=False)
    filled_qty = orders.column("filled_qty").to_numpy(zero_copy_only=False)
    rejected = sum(1 for reason in reasons if reason is not None)
    is_new = np.isin(np.array(actions, dtype=object), sorted(NEW_ORDER_LABELS))
    return {
        "requests": len(actions),
        "requests_by_action": _counts(actions),
        "submitted": submitted,
        "by_outcome": by_outcome,
        "rejects_by_reason": _counts(reasons),
        "fill_rate": round(filled_any / submitted, 6) if submitted else 0.0,
        "filled_qty_share": round(  # summed as float: int64 sums of huge sizes wrap silently
            float(filled_qty[is_new].sum(dtype=np.float64))
            / max(float(qty[is_new].sum(dtype=np.float64)), 1.0), 6),
        "reject_rate": round(rejected / len(actions), 6) if actions else 0.0,
        "lost": submitted - accounted,
    }


def summarize(orders: pa.Table, *, sim_start_ns: int, sim_end_ns: int) -> dict[str, Any]:
    """Every headline figure of a run (without identity fields, which the writer adds)."""
    latency = {name: latency_stats(segment_latencies(orders, name)) for name in SEGMENTS}
    span_ns = max(sim_end_ns - sim_start_ns, 1)
    acked = int(orders.column("ts_ack_ns").is_valid().to_numpy(zero_copy_only=False).sum())
    return {
        "orders": order_figures(orders),
        "latency_ns": latency,
        "throughput": {
            "sim_duration_ns": span_ns,
            "requests_per_s": round(orders.num_rows / span_ns * 1e9, 3),
            "acks_per_s": round(acked / span_ns * 1e9, 3),
        },
        "sim_start_ns": sim_start_ns,
        "sim_end_ns": sim_end_ns,
    }
