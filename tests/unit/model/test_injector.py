"""OrderInjector with ``count`` trains: send times, quantities, capacity, risk rejects, summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from sim.model.platform import Platform, run_platform
from sim.model.testing import constant_topology, events, scenario
from sim.runner import run_scenario
from sim.scenario import load_scenario
from sim.scenario.inject import InjectedOrderConfig

ADDS = [(1_000, "add", 1, 1, 100, 10), (2_000, "add", 2, -1, 105, 5)]
TRAIN = {"at": 500, "symbol": "AAA", "side": "buy", "qty": 1, "price": 90,
         "count": 5, "every": 1_000, "qty_step": 2}


def _with_train(**change: Any) -> Any:
    entry = InjectedOrderConfig.model_validate({**TRAIN, **change})
    return scenario(constant_topology()).model_copy(update={"inject": [entry]})


def test_recorder_has_room_for_every_order_of_a_train() -> None:
    platform = Platform(_with_train(), [[events(ADDS)]], len(ADDS))
    assert platform.recorder.capacity == len(ADDS) + 5


def test_a_train_is_sent_every_apart_with_growing_qty_and_its_own_order_ids() -> None:
    # capacity is exactly the data's rows: the 5 injected orders must be counted in.
    result = run_platform(_with_train(), [[events(ADDS)]], len(ADDS))
    sent = pl.from_arrow(result.orders).filter(pl.col("source") == "inject").sort("order_seq")
    assert sent["ts_sent_ns"].to_list() == [1_500, 2_500, 3_500, 4_500, 5_500]  # origin 1_000
    assert sent["qty"].to_list() == [1, 3, 5, 7, 9]
    assert sent["order_id"].to_list() == [1, 2, 3, 4, 5]
    assert sent["price"].to_list() == [90] * 5
    assert sent["reject_reason"].null_count() == 5


INJECT = """
[risk]
max_order_qty = 1000

[[inject]]
at = "50ms"
symbol = "AA"
side = "buy"
qty = 600
qty_step = 200
price = 1
count = 5
every = "10ms"

[[inject]]
at = "65ms"
symbol = "BB"
side = "sell"
qty = 5000000
type = "market"
"""


def test_a_growing_fat_finger_train_is_rejected_by_max_order_qty_once_too_big(
    tmp_path: Path, make_scenario: Any
) -> None:
    outcome = run_scenario(load_scenario(make_scenario(INJECT)), out_dir=tmp_path / "run",
                           write_report=False)
    orders = pl.read_parquet(outcome.run_dir / "orders.parquet")
    sent = orders.filter(pl.col("source") == "inject").sort("order_seq")
    start = outcome.summary["sim_start_ns"]
    ms = 1_000_000
    assert sent["ts_sent_ns"].to_list() == [
        start + at * ms for at in (50, 60, 65, 70, 80, 90)
    ]
    assert sent["qty"].to_list() == [600, 800, 5_000_000, 1000, 1200, 1400]
    assert sent["reject_reason"].to_list() == [
        None, None, "max_order_qty", None, "max_order_qty", "max_order_qty"
    ]
    rows = outcome.summary["injected"]
    assert [(row["inject"], row["repeat"]) for row in rows] == [
        (0, 0), (0, 1), (1, 0), (0, 2), (0, 3), (0, 4)
    ]
    assert [row["order_seq"] for row in rows] == sent["order_seq"].to_list()
    assert [row["qty"] for row in rows] == sent["qty"].to_list()
    assert outcome.summary["components"]["inject"] == {"sent": 6}
