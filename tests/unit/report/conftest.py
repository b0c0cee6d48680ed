"""Small hand-made run tables for the report tests."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import polars as pl
import pytest

STAGES = ("gateway", "risk", "matching")
STAMPS = (
    ["ts_sent_ns"]
    + [f"ts_{stage}_{point}_ns" for stage in STAGES for point in ("in", "start", "out")]
    + ["ts_ack_ns"]
)


def make_orders(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """An orders table with every contract column; missing fields are null/defaults."""
    columns: dict[str, list[Any]] = {name: [] for name in STAMPS}
    extra: dict[str, list[Any]] = {
        "order_seq": [],
        "source": [],
        "symbol": [],
        "account": [],
        "action": [],
        "order_id": [],
        "side": [],
        "price": [],
        "qty": [],
        "outcome": [],
        "reject_reason": [],
        "reject_stage": [],
        "filled_qty": [],
        "cancelled_qty": [],
        "resting_qty": [],
        "filled_notional": [],
        "avg_price": [],
    }
    for seq, row in enumerate(rows):
        for name in STAMPS:
            columns[name].append(row.get(name))
        defaults = {
            "order_seq": seq,
            "source": "client",
            "symbol": "AAA",
            "account": "acct",
            "action": "add",
            "order_id": seq + 1,
            "side": 1,
            "price": 1_000_000,
            "qty": 10,
            "outcome": "resting",
            "reject_reason": None,
            "reject_stage": None,
            "filled_qty": 0,
            "cancelled_qty": 0,
            "resting_qty": 0,
            "filled_notional": 0,
            "avg_price": None,
        }
        for name in extra:
            extra[name].append(row.get(name, defaults[name]))
    schema: dict[str, Any] = {name: pl.Int64 for name in STAMPS}
    schema |= {
        "order_seq": pl.Int64,
        "source": pl.Utf8,
        "symbol": pl.Utf8,
        "account": pl.Utf8,
        "action": pl.Utf8,
        "order_id": pl.UInt64,
        "side": pl.Int8,
        "price": pl.Int64,
        "qty": pl.Int64,
        "outcome": pl.Utf8,
        "reject_reason": pl.Utf8,
        "reject_stage": pl.Utf8,
        "filled_qty": pl.Int64,
        "cancelled_qty": pl.Int64,
        "resting_qty": pl.Int64,
        "filled_notional": pl.Int64,
        "avg_price": pl.Float64,
    }
    return pl.DataFrame(extra | columns, schema=schema)


def _stage(stage: str, t_in: int | None, start: int | None, out: int | None) -> dict[str, Any]:
    return {f"ts_{stage}_in_ns": t_in, f"ts_{stage}_start_ns": start, f"ts_{stage}_out_ns": out}


@pytest.fixture
def tiny_orders() -> pl.DataFrame:
    """Four requests whose timeline at 100 ns intervals is worked out by hand in the tests."""
    a = {
        "ts_sent_ns": 0,
        **_stage("gateway", 10, 10, 30),
        **_stage("risk", 40, 50, 60),
        **_stage("matching", 70, 70, 90),
        "ts_ack_ns": 100,
        "outcome": "filled",
        "filled_qty": 10,
    }
    b = {
        "ts_sent_ns": 0,
        **_stage("gateway", 20, 30, 150),
        **_stage("risk", 160, 160, 170),
        **_stage("matching", 180, 190, 220),
        "ts_ack_ns": 230,
        "outcome": "resting",
    }
    c = {
        "ts_sent_ns": 80,
        **_stage("gateway", 90, 150, 160),
        **_stage("risk", 170, 175, 180),
        "ts_ack_ns": 190,
        "outcome": "rejected",
        "reject_reason": "max_qty",
        "reject_stage": "risk",
    }
    d = {
        "ts_sent_ns": 200,
        **_stage("gateway", 205, None, 205),
        "ts_ack_ns": 210,
        "action": "cancel",
        "outcome": "rejected",
        "reject_reason": "queue_full",
        "reject_stage": "gateway",
    }
    return make_orders([a, b, c, d])


@pytest.fixture
def random_orders() -> pl.DataFrame:
    """A few hundred plausible orders (seeded) for the plot and HTML tests."""
    generator = np.random.default_rng(7)
    rows = []
    t = 0
    for seq in range(400):
        t += int(generator.integers(1_000, 20_000))
        stamp = t + int(generator.integers(5_000, 30_000))
        row: dict[str, Any] = {"ts_sent_ns": t, "order_seq": seq}
        for stage in STAGES:
            wait = int(generator.exponential(2_000))
            service = int(generator.integers(1_000, 8_000))
            row |= _stage(stage, stamp, stamp + wait, stamp + wait + service)
            stamp += wait + service + int(generator.integers(2_000, 10_000))
        row["ts_ack_ns"] = stamp
        draw = generator.random()
        if draw < 0.05:
            row |= {"outcome": "rejected", "reject_reason": "collar", "reject_stage": "risk"}
            row |= _stage("matching", None, None, None)
        elif draw < 0.4:
            row |= {"outcome": "filled", "filled_qty": 10}
        rows.append(row)
    return make_orders(rows)


def _stats(mean: float, p50: int, p90: int, p99: int, p99_9: int, top: int) -> dict[str, Any]:
    return {
        "count": 100,
        "mean": mean,
        "p50": p50,
        "p90": p90,
        "p99": p99,
        "p99_9": p99_9,
        "max": top,
    }


BASE_SUMMARY: dict[str, Any] = {
    "schema_version": 1,
    "scenario_name": "baseline",
    "digest": "0123456789abcdef",
    "orders": {
        "submitted": 100,
        "by_outcome": {"filled": 30, "partial": 5, "resting": 60, "cancelled": 0, "rejected": 5},
        "rejects_by_reason": {"collar": 3, "queue_full": 2},
        "fill_rate": 0.35,
        "reject_rate": 0.05,
        "lost": 0,
    },
    "latency_ns": {
        "end_to_end": _stats(60_000.0, 50_000, 90_000, 400_000, 900_000, 1_000_000),
        "gateway": _stats(8_000.0, 7_000, 12_000, 30_000, 50_000, 60_000),
        "risk": _stats(6_000.0, 5_000, 9_000, 20_000, 40_000, 41_000),
        "matching": _stats(9_000.0, 8_000, 15_000, 35_000, 70_000, 80_000),
        "link.client_to_gateway": _stats(10_000.0, 10_000, 11_000, 20_000, 25_000, 26_000),
        "link.gateway_to_risk": _stats(5_000.0, 5_000, 6_000, 9_000, 10_000, 11_000),
        "link.risk_to_matching": _stats(5_000.0, 5_000, 6_000, 9_000, 10_000, 11_000),
        "link.matching_to_client": _stats(10_000.0, 10_000, 11_000, 20_000, 25_000, 26_000),
    },
    "throughput": {"sim_duration_ns": 1_000_000_000, "requests_per_s": 100.0, "acks_per_s": 100.0},
    "components": {
        "gateway": {
            "arrivals": 100,
            "served": 100,
            "rejected": 0,
            "busy_ns": 1,
            "max_queue_depth": 3,
            "workers": 2,
        },
        "risk": {
            "arrivals": 100,
            "served": 100,
            "rejected": 5,
            "busy_ns": 1,
            "max_queue_depth": 2,
            "workers": 1,
        },
        "matching": {
            "arrivals": 95,
            "served": 95,
            "rejected": 0,
            "busy_ns": 1,
            "max_queue_depth": 1,
            "workers": 1,
        },
    },
    "sim_start_ns": 0,
    "sim_end_ns": 1_000_000_000,
    "scenario": {"name": "baseline", "report": {"timeline_interval": None, "tick_size": 100}},
}


@pytest.fixture
def summary() -> dict[str, Any]:
    """A hand-written summary.json with round figures (a fresh copy per test)."""
    return copy.deepcopy(BASE_SUMMARY)
