"""Platform end to end on tiny in-memory inputs: stamps, outcomes, rejects, routes, determinism."""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from sim.errors import DataError
from sim.model.link import build_link
from sim.model.platform import Platform, WiringError, run_platform
from sim.model.recorder import CapacityError
from sim.model.testing import constant_topology, events, scenario, synthetic_orders
from sim.scenario.schema import LinkConfig

BOOK = [
    (1_000, "add", 1, 1, 100, 10),
    (2_000, "add", 2, -1, 101, 5),
    (3_000, "add", 3, -1, 100, 4),
    (4_000, "market", 4, -1, None, 3),
    (5_000, "cancel", 1, 1, None, None),
    (6_000, "cancel", 99, 1, None, None),
    (7_000, "modify", 2, -1, 101, 8),
    (8_000, "trade", 0, 1, 101, 1),
]


def run(rows, topology=None, risk=None, seed=7, capacity=None):
    batch = events(rows)
    return run_platform(
        scenario(topology or constant_topology(), risk, seed), [[batch]], capacity or len(rows)
    )


def orders(result) -> pl.DataFrame:
    return pl.from_arrow(result.orders)


def test_orders_table_columns_are_exactly_the_documented_ones() -> None:
    result = run(BOOK)
    assert result.orders.column_names == [
        "order_seq",
        "source",
        "symbol",
        "account",
        "action",
        "order_id",
        "side",
        "price",
        "qty",
        "ts_sent_ns",
        "ts_gateway_in_ns",
        "ts_gateway_start_ns",
        "ts_gateway_out_ns",
        "ts_risk_in_ns",
        "ts_risk_start_ns",
        "ts_risk_out_ns",
        "ts_matching_in_ns",
        "ts_matching_start_ns",
        "ts_matching_out_ns",
        "ts_ack_ns",
        "outcome",
        "reject_reason",
        "reject_stage",
        "filled_qty",
        "cancelled_qty",
        "resting_qty",
        "filled_notional",
        "avg_price",
        "outage_delay_ns",
    ]
    schema = result.orders.schema
    assert schema.field("side").type == pa.int8()
    assert schema.field("price").type == pa.int64()
    assert schema.field("avg_price").type == pa.float64()
    assert result.fills.column_names == [
        "ts_ns",
        "symbol",
        "price",
        "qty",
        "maker_seq",
        "taker_seq",
        "maker_order_id",
        "taker_order_id",
        "aggressor_side",
    ]


def test_constant_pipeline_stamps_are_exact() -> None:
    first = orders(run(BOOK)).row(0, named=True)
    # links 10us, gateway 5us, risk 3us, matching 2us; nothing queued for the first order
    assert [
        first[k]
        for k in (
            "ts_sent_ns",
            "ts_gateway_in_ns",
            "ts_gateway_start_ns",
            "ts_gateway_out_ns",
            "ts_risk_in_ns",
            "ts_risk_out_ns",
            "ts_matching_in_ns",
            "ts_matching_out_ns",
            "ts_ack_ns",
        )
    ] == [1_000, 11_000, 11_000, 16_000, 26_000, 29_000, 39_000, 41_000, 51_000]


def test_outcomes_fills_and_accounting() -> None:
    result = run(BOOK)
    table = orders(result)
    assert table["outcome"].to_list() == [
        "partial",
        "resting",
        "filled",
        "filled",
        "accepted",
        "rejected",
        "accepted",
    ]
    assert table["reject_reason"].to_list()[5] == "unknown_order"
    assert table["reject_stage"].to_list()[5] == "matching"
    buy = table.row(0, named=True)
    assert (buy["filled_qty"], buy["cancelled_qty"], buy["resting_qty"]) == (7, 3, 0)
    assert buy["filled_notional"] == 700
    assert buy["avg_price"] == 100.0
    grown = table.row(1, named=True)  # modified from 5 to 8 at the same price: qty grows
    assert (grown["qty"], grown["resting_qty"]) == (8, 8)
    fills = pl.from_arrow(result.fills)
    assert fills["maker_seq"].to_list() == [0, 0]
    assert fills["taker_seq"].to_list() == [2, 3]
    assert fills["qty"].to_list() == [4, 3]
    assert result.events_processed == 8
    assert result.components["feed.clients"]["prints"] == 1


def test_every_order_gets_exactly_one_ack_and_counters_add_up() -> None:
    result = run(BOOK)
    table = orders(result)
    assert table["ts_ack_ns"].null_count() == 0
    stats = result.components
    assert stats["clients"]["reports"] == 7
    assert stats["stage.matching"]["rejected.unknown_order"] == 1
    assert stats["stage.publisher"]["arrivals"] == stats["stage.matching"]["book_changes"] == 6
    assert result.sim_start_ns == 1_000
    assert result.sim_end_ns == 82_000  # the last market-data delivery: 71 + 1 + 10 us


def test_risk_rejects_with_exact_reasons_and_reports_back() -> None:
    rows = [
        (1_000, "add", 1, 1, 10_000, 50),  # ok: notional 50
        (2_000, "add", 2, 1, 10_000, 500),  # qty over 100
        (3_000, "add", 3, 1, 2_000_000, 60),  # notional 12,000 over 10,000
        (4_000, "market", 4, -1, None, 10),  # no trade, one-sided book: no price to value it
        (5_000, "cancel", 1, 1, None, 500),  # cancels carry no limit
    ]
    table = orders(run(rows, risk={"max_order_qty": 100, "max_notional": 10_000}))
    assert table["reject_reason"].to_list() == [None, "max_order_qty", "max_notional", None, None]
    assert table["reject_stage"].to_list() == [None, "risk", "risk", None, None]
    rejected = table.filter(pl.col("outcome") == "rejected")
    assert rejected["ts_matching_in_ns"].null_count() == 2
    # reject reports leave at risk out and travel matching_to_client (10us)
    assert (rejected["ts_ack_ns"] - rejected["ts_risk_out_ns"]).to_list() == [10_000, 10_000]


def test_disabled_risk_passes_everything() -> None:
    rows = [(1_000, "add", 1, 1, 10_000, 500)]
    table = orders(run(rows, risk={"enabled": False, "max_order_qty": 100}))
    assert table["outcome"].to_list() == ["resting"]


def test_gateway_queue_full_rejects_at_the_gateway() -> None:
    topology = constant_topology(gateway=100_000, queue_capacity=1)
    rows = [(1_000 + i, "add", i + 1, 1, 100, 1) for i in range(5)]
    table = orders(run(rows, topology=topology))
    assert table["reject_reason"].to_list() == [
        None,
        None,
        "queue_full",
        "queue_full",
        "queue_full",
    ]
    assert table["reject_stage"].to_list()[2:] == ["gateway"] * 3
    assert table["ts_gateway_start_ns"].to_list()[2:] == [None] * 3
    assert table["ts_ack_ns"].null_count() == 0


def test_same_seed_same_orders_and_another_seed_differs() -> None:
    batch = synthetic_orders(3_000, seed=4, symbols=2)
    base = scenario(seed=11)

    def table(sc):
        return run_platform(sc, [[batch]], len(batch)).orders

    assert table(base).equals(table(base))
    assert not table(base).equals(table(scenario(seed=12)))


def test_direct_history_is_applied_inline_and_fills_model_orders() -> None:
    history = events(
        [
            (500, "add", 7, -1, 100, 5),
            (60_000, "execute", 7, -1, None, 2),
            (70_000, "add", 8, 1, 100, 2),  # history buy hits the model sell at 100
            (80_000, "cancel", 7, -1, None, None),
        ]
    )
    model = events([(1_000, "add", 1, -1, 100, 4)])
    sc = scenario(constant_topology(), sources=(("venue", "direct"), ("clients", "full")))
    result = run_platform(sc, {"venue": [history], "clients": [model]}, 5)
    assert result.direct_events_applied == 4
    table = orders(result)
    assert table.height == 1
    row = table.row(0, named=True)
    assert row["source"] == "clients"
    # resting behind history order 7 (3 left after the execute), so history buy 8 hits 7 first
    assert (row["filled_qty"], row["resting_qty"]) == (0, 4)
    assert result.components["stage.matching"]["history_applied"] == 4
    assert result.sim_end_ns >= 80_000


def test_execute_rows_of_a_full_source_hit_the_routed_order() -> None:
    rows = [
        (1_000, "add", 1, 1, 100, 10),
        (100_000, "execute", 1, 1, None, 4),
        (100_500, "execute", 55, 1, None, 1),
    ]
    result = run(rows)
    row = orders(result).row(0, named=True)
    assert (row["filled_qty"], row["resting_qty"], row["outcome"]) == (4, 6, "partial")
    fill = pl.from_arrow(result.fills).row(0, named=True)
    assert fill["taker_seq"] is None
    assert fill["maker_seq"] == 0
    assert result.components["stage.matching"]["history_rejected.unknown_order"] == 1


def test_wiring_is_checked_before_time_starts() -> None:
    platform = Platform(scenario(constant_topology()), [[events(BOOK)]], len(BOOK))
    config = LinkConfig.model_validate({"latency": {"kind": "constant", "value": 1}})
    loose = build_link(platform.env, "link.spare", config, np.random.default_rng(0))
    platform.components.add(loose)
    with pytest.raises(WiringError, match=r"^unconnected outputs: link\.spare\.receiver$"):
        platform.run()
    assert platform.env.now == 0
    assert platform.recorder.count == 0


def test_batches_must_match_the_sources() -> None:
    with pytest.raises(WiringError, match="no event batches"):
        run_platform(scenario(constant_topology()), {"other": []}, 1)


def test_capacity_too_small_is_an_error() -> None:
    with pytest.raises(CapacityError):
        run(BOOK, capacity=3)


def test_unsorted_input_stops_the_run() -> None:
    with pytest.raises(DataError, match="backwards"):
        run([(2_000, "add", 1, 1, 100, 1), (1_000, "add", 2, 1, 100, 1)])
