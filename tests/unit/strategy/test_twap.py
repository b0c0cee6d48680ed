"""The TWAP example: children on schedule, priced at the far touch, shortfall made up last."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from sim.model.platform import Platform, RunResult
from sim.model.testing import constant_topology, events
from sim.scenario.schema import Scenario
from sim.strategy.examples.twap import Twap

MS = 1_000_000
US = 1_000
SERVICE = 2 * US
"""The matching stage's constant service time (constant_topology's default)."""


def constant(ns: int) -> dict[str, Any]:
    return {"latency": {"kind": "constant", "value": ns}}


def run(strategy: Twap, rows: list[tuple[Any, ...]], **config: Any) -> RunResult:
    body = {
        "name": "twap", "topology": constant_topology(),
        "data": {"sources": [{"name": "hist", "path": "h.parquet", "route": "direct"}]},
        "strategies": [{"name": "twap", "path": "sim.strategy.examples.twap:Twap",
                        "params": {}, **config}],
    }
    platform = Platform(Scenario.model_validate(body), [[events(rows)]], len(rows),
                        strategies=[strategy])
    return platform.run()


def mine(result: RunResult) -> pl.DataFrame:
    return pl.from_arrow(result.orders).filter(pl.col("source") == "strategy.twap")


def test_children_leave_on_schedule_at_the_ask_and_complete_the_parent() -> None:
    twap = Twap("AAA", "buy", 10, start_ns=1 * MS, end_ns=5 * MS, slices=4)
    rows = [(1 * MS, "add", 1, -1, 1010, 100), (1 * MS, "add", 2, 1, 1000, 5),
            (20 * MS, "add", 3, 1, 999, 1)]
    result = run(twap, rows, entry=constant(100 * US))
    # the first event is at 1 ms: children at 2, 3, 4 and 5 ms, sizes 2, 3, 2, 3
    assert twap.children == [(2 * MS, 1, 2, 1010), (3 * MS, 2, 3, 1010),
                             (4 * MS, 3, 2, 1010), (5 * MS, 4, 3, 1010)]
    assert twap.filled == 10
    assert twap.working == {}
    orders = mine(result).select("ts_matching_in_ns", "qty", "outcome", "filled_qty")
    assert orders.rows() == [(2 * MS + 100 * US, 2, "filled", 2),
                             (3 * MS + 100 * US, 3, "filled", 3),
                             (4 * MS + 100 * US, 2, "filled", 2),
                             (5 * MS + 100 * US, 3, "filled", 3)]
    fills = pl.from_arrow(result.fills).select("ts_ns", "price", "qty")
    assert fills["qty"].sum() == 10
    assert set(fills["price"]) == {1010}
    assert fills["ts_ns"].to_list() == [t + 100 * US + SERVICE for t in (2 * MS, 3 * MS,
                                                                         4 * MS, 5 * MS)]


def test_a_short_child_is_made_up_in_the_last_slice() -> None:
    twap = Twap("AAA", "buy", 10, start_ns=0, end_ns=4 * MS, slices=4)
    rows = [(1 * MS, "add", 1, -1, 1010, 3),        # only 3 shares offered at first
            (3_500 * US, "add", 2, -1, 1011, 20),   # more arrives a tick higher
            (20 * MS, "add", 3, 1, 999, 1)]
    run(twap, rows, feed=constant(100 * US))
    # slices at 1, 2, 3, 4 ms (first event 1 ms; spacing 1 ms), planned 2, 3, 2, 3:
    # the first has not seen the book yet (feed 100 us): a market order, takes 2 of the 3;
    # the second gets 1 of its 3 at 1010 (the IOC cancels 2); the third sees an empty ask
    # side: a market order that finds nothing; the last sends everything not filled or
    # working, 10 - 3 = 7, at the ask it now sees, 1011
    assert [(at, qty, price) for at, _id, qty, price in twap.children] == [
        (1 * MS, 2, None), (2 * MS, 3, 1010), (3 * MS, 2, None), (4 * MS, 7, 1011)]
    assert twap.filled == 10


def test_sell_children_trade_through_the_bid_by_the_offset() -> None:
    twap = Twap("AAA", "sell", 6, start_ns=2 * MS, end_ns=4 * MS, slices=2,
                limit_offset_ticks=2, tick=5)
    rows = [(1 * MS, "add", 1, 1, 1000, 4), (1 * MS, "add", 2, 1, 995, 4),
            (1 * MS, "add", 3, 1, 990, 4), (20 * MS, "add", 4, -1, 1100, 1)]
    result = run(twap, rows)
    # limits at bid - 2 ticks of 5: the first child (3) takes 3 at 1000; the second sees
    # bid 1000 (1 left) and may go down to 990: 1 at 1000 and 2 at 995
    assert [(at, qty, price) for at, _id, qty, price in twap.children] == [
        (3 * MS, 3, 990), (4 * MS, 3, 990)]
    fills = pl.from_arrow(result.fills).select("price", "qty")
    assert fills.rows() == [(1000, 3), (1000, 1), (995, 2)]
    assert twap.filled == 6


def test_a_parent_left_short_after_the_last_slice_stays_short() -> None:
    twap = Twap("AAA", "buy", 10, start_ns=1 * MS, end_ns=3 * MS, slices=2)
    rows = [(1 * MS, "add", 1, -1, 1010, 4), (20 * MS, "add", 2, 1, 999, 1)]
    run(twap, rows)
    # 5 at 2 ms gets 4; the last slice (3 ms) sends 6 and finds an empty ask side
    assert [(qty, price) for _at, _id, qty, price in twap.children] == [(5, 1010), (6, None)]
    assert twap.filled == 4


@pytest.mark.parametrize(("params", "message"), [
    ({"side": "long"}, "side must be buy or sell, not 'long'"),
    ({"qty": 0}, "qty must be at least 1, not 0"),
    ({"end_ns": "10min"}, "end_ns must be an integer \\(times in ns\\), not '10min'"),
    ({"start_ns": 5, "end_ns": 4}, "end_ns must be at least 5, not 4"),
    ({"slices": 11}, "slices \\(11\\) must not exceed qty \\(10\\)"),
    ({"limit_offset_ticks": -1}, "limit_offset_ticks must be at least 0, not -1"),
    ({"tick": 0}, "tick must be at least 1, not 0"),
])
def test_bad_parameters_are_refused(params: dict[str, Any], message: str) -> None:
    good: dict[str, Any] = {"symbol": "AAA", "side": "buy", "qty": 10, "start_ns": 0,
                            "end_ns": 1 * MS, "slices": 2}
    with pytest.raises(ValueError, match=message):
        Twap(**(good | params))
