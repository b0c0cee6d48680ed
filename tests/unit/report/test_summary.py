"""Headline figures of summary.json, computed by hand on a five-request table."""

from typing import Any

import numpy as np
import pyarrow as pa

from sim.report.summary import SEGMENTS, latency_stats, order_figures, summarize

STAMP_COLUMNS = sorted({name for pair in SEGMENTS.values() for name in pair}
                       | {"ts_gateway_start_ns", "ts_risk_start_ns", "ts_matching_start_ns"})


def table(rows: list[dict[str, Any]]) -> pa.Table:
    names = ["action", "qty", "filled_qty", "outcome", "reject_reason", *STAMP_COLUMNS]
    return pa.table({name: [row.get(name) for row in rows] for name in names})


def full_path(sent: int, e2e: int) -> dict[str, Any]:
    """Stamps of an order that went all the way: 10 ns gateway, 5 ns risk, 2 ns matching."""
    return {"ts_sent_ns": sent, "ts_gateway_in_ns": sent + 20, "ts_gateway_out_ns": sent + 30,
            "ts_risk_in_ns": sent + 35, "ts_risk_out_ns": sent + 40,
            "ts_matching_in_ns": sent + 45, "ts_matching_out_ns": sent + 47,
            "ts_ack_ns": sent + e2e}


ROWS: list[dict[str, Any]] = [
    {"action": "add", "qty": 100, "filled_qty": 100, "outcome": "filled", **full_path(0, 100)},
    {"action": "add", "qty": 100, "filled_qty": 40, "outcome": "partial", **full_path(10, 80)},
    {"action": "market", "qty": 50, "filled_qty": 0, "outcome": "cancelled",
     **full_path(20, 90)},
    {"action": "add", "qty": 10, "filled_qty": 0, "outcome": "rejected",
     "reject_reason": "max_order_qty", "ts_sent_ns": 30, "ts_gateway_in_ns": 50,
     "ts_gateway_out_ns": 60, "ts_risk_in_ns": 65, "ts_risk_out_ns": 70, "ts_ack_ns": 130},
    {"action": "cancel", "qty": None, "filled_qty": 0, "outcome": "accepted",
     **full_path(40, 200)},
]


def test_latency_stats_are_observed_samples() -> None:
    stats = latency_stats(np.array([5, 1, 4, 2, 3], dtype=np.int64))
    assert stats == {"count": 5, "mean": 3.0, "p50": 3, "p90": 5, "p99": 5, "p99_9": 5,
                     "max": 5}
    hundred = latency_stats(np.arange(1, 101, dtype=np.int64))
    assert (hundred["p50"], hundred["p90"], hundred["p99"], hundred["p99_9"]) == (50, 90, 99, 100)
    assert latency_stats(np.array([], dtype=np.int64)) == {"count": 0}


def test_segments_use_only_orders_with_both_stamps() -> None:
    figures = summarize(table(ROWS), sim_start_ns=0, sim_end_ns=1_000)
    latency = figures["latency_ns"]
    assert latency["end_to_end"] == {"count": 5, "mean": 114.0, "p50": 100, "p90": 200,
                                     "p99": 200, "p99_9": 200, "max": 200}
    assert latency["gateway"]["count"] == 5
    assert latency["gateway"]["max"] == 10
    assert latency["matching"]["count"] == 4  # the risk reject never reached matching
    assert latency["link.client_to_gateway"]["max"] == 20
    # the reject's ack has no matching_out stamp, so it is not a matching_to_client sample
    assert latency["link.matching_to_client"]["count"] == 4
    assert latency["link.matching_to_client"]["p50"] == 43  # samples 33, 43, 53, 153
    assert figures["throughput"]["requests_per_s"] == 5e6


def test_order_figures_count_outcomes_rates_and_lost() -> None:
    figures = order_figures(table(ROWS))
    assert figures["submitted"] == 4
    assert figures["by_outcome"] == {"filled": 1, "partial": 1, "resting": 0, "cancelled": 1,
                                     "rejected": 1}
    assert figures["rejects_by_reason"] == {"max_order_qty": 1}
    assert figures["fill_rate"] == 0.5
    assert figures["reject_rate"] == 0.2
    assert figures["filled_qty_share"] == round(140 / 260, 6)
    assert figures["lost"] == 0
    assert figures["requests_by_action"] == {"add": 3, "cancel": 1, "market": 1}


def test_an_order_without_final_outcome_counts_as_lost() -> None:
    rows = [*ROWS, {"action": "add", "qty": 5, "filled_qty": 0, "outcome": None,
                    "ts_sent_ns": 50}]
    assert order_figures(table(rows))["lost"] == 1
