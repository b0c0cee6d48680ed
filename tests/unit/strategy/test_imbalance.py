"""The imbalance taker: trades past the threshold, waits out its cooldown, keeps its limit."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from sim.model.platform import Platform, RunResult
from sim.model.testing import constant_topology, events
from sim.scenario.schema import Scenario
from sim.strategy.api import BookUpdate
from sim.strategy.examples.imbalance import ImbalanceTaker

MS = 1_000_000
US = 1_000
SERVICE = 2 * US
"""The matching stage's constant service time (constant_topology's default)."""


def run(strategy: ImbalanceTaker, rows: list[tuple[Any, ...]]) -> RunResult:
    body = {
        "name": "imbalance", "topology": constant_topology(),
        "data": {"sources": [{"name": "hist", "path": "h.parquet", "route": "direct"}]},
        "strategies": [{"name": "taker",
                        "path": "sim.strategy.examples.imbalance:ImbalanceTaker"}],
    }
    platform = Platform(Scenario.model_validate(body), [[events(rows)]], len(rows),
                        strategies=[strategy])
    return platform.run()


def test_it_sells_below_minus_threshold_and_buys_above_it() -> None:
    taker = ImbalanceTaker("AAA", threshold=0.5, size=3, max_position=100, cooldown_ns=10 * MS)
    rows = [(1 * MS, "add", 1, 1, 1000, 5), (1 * MS, "add", 2, -1, 1010, 5),  # 0
            (2 * MS, "add", 3, -1, 1010, 10),   # (5 - 15) / 20 = -0.5: not past it
            (3 * MS, "add", 4, -1, 1010, 1),    # (5 - 16) / 21 < -0.5: sell 3 at the bid
            (50 * MS, "add", 5, 1, 1000, 50),   # (52 - 16) / 68 > 0.5: buy 3 at the ask
            (60 * MS, "add", 6, 1, 990, 1)]
    result = run(taker, rows)
    assert taker.orders == [(3 * MS, -1, 3, 1000), (50 * MS, 1, 3, 1010)]
    fills = pl.from_arrow(result.fills).select("ts_ns", "price", "qty")
    assert fills.rows() == [(3 * MS + SERVICE, 1000, 3), (50 * MS + SERVICE, 1010, 3)]
    assert taker.position == 0


def test_it_trades_at_most_once_per_cooldown() -> None:
    taker = ImbalanceTaker("AAA", threshold=0.5, size=1, max_position=100, cooldown_ns=1 * MS)
    rows = [(1 * MS, "add", 1, 1, 1000, 10), (1 * MS, "add", 2, -1, 1010, 100)]
    # the book stays lopsided to the sell side; it changes every 0.4 ms
    rows += [((10 + 4 * i) * MS // 10, "add", 3 + i, -1, 1010, 1) for i in range(1, 7)]
    rows.append((10 * MS, "add", 99, 1, 990, 1))  # below the touch: no update
    run(taker, rows)
    # updates at 1.0 (sell), 1.4, 1.8 (too soon), 2.2 (sell), 2.6, 3.0, 3.4 (sell) ms
    assert [at for at, _side, _qty, _price in taker.orders] == [1 * MS, 2_200 * US, 3_400 * US]
    assert taker.position == -3


def test_position_and_working_orders_stay_within_the_limit() -> None:
    taker = ImbalanceTaker("AAA", threshold=0.5, size=3, max_position=4, cooldown_ns=0)
    rows = [(1 * MS, "add", 1, 1, 1000, 10), (1 * MS, "add", 2, -1, 1010, 100),
            (2 * MS, "add", 3, -1, 1010, 1),    # still sell-heavy, but no room left
            (5 * MS, "add", 4, 1, 1000, 300),   # buy-heavy: (306 - 101) / 407 > 0.5
            (9 * MS, "add", 5, 1, 990, 1)]
    run(taker, rows)
    # sells 3, then the 1 share of room left; later buys 3, 3 and the 2 that reach +4
    assert [(side, qty) for _at, side, qty, _price in taker.orders] == [
        (-1, 3), (-1, 1), (1, 3), (1, 3), (1, 2)]
    assert [at for at, *_ in taker.orders] == [
        1 * MS, 1 * MS + SERVICE, 5 * MS, 5 * MS + SERVICE, 5 * MS + 2 * SERVICE]
    assert taker.position == 4
    assert taker.working == {}


def test_the_threshold_is_compared_exactly() -> None:
    taker = ImbalanceTaker("AAA", threshold=0.1, size=1, max_position=1, cooldown_ns=0)

    def book(bid_qty: int, ask_qty: int) -> BookUpdate:
        return BookUpdate(0, "AAA", 1000, bid_qty, 1010, ask_qty)

    # (11 - 9) / 20 is 0.1 exactly (in floats, 2 / 20 > 0.1 would not hold either way)
    assert [taker.signal(book(11, 9)), taker.signal(book(12, 9)), taker.signal(book(9, 11)),
            taker.signal(book(8, 11))] == [0, 1, 0, -1]
    assert taker.signal(BookUpdate(0, "AAA", 1000, 5, None, 0)) == 0


@pytest.mark.parametrize(("params", "message"), [
    ({"threshold": 1.0}, "threshold must be at least 0 and below 1, not 1.0"),
    ({"threshold": -0.2}, "threshold must be at least 0 and below 1, not -0.2"),
    ({"threshold": True}, "threshold must be a number, not True"),
    ({"size": 0}, "size must be at least 1, not 0"),
    ({"max_position": 2.5}, "max_position must be an integer \\(times in ns\\), not 2.5"),
    ({"cooldown_ns": "1ms"}, "cooldown_ns must be an integer \\(times in ns\\), not '1ms'"),
])
def test_bad_parameters_are_refused(params: dict[str, Any], message: str) -> None:
    good: dict[str, Any] = {"symbol": "AAA", "threshold": 0.5, "size": 1, "max_position": 5,
                            "cooldown_ns": 0}
    with pytest.raises(ValueError, match=message):
        ImbalanceTaker(**(good | params))
