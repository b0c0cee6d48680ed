"""The join-the-touch example follows the touch and respects its position limit."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from sim.model.platform import Platform
from sim.model.testing import constant_topology, events
from sim.scenario.schema import Scenario
from sim.strategy.examples.join_the_touch import JoinTheTouch

MS = 1_000_000


def run(strategy: JoinTheTouch, rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    body = {
        "name": "jtt", "topology": constant_topology(),
        "data": {"sources": [{"name": "hist", "path": "h.parquet", "route": "direct"}]},
        "strategies": [{"name": "mm", "path": "sim.strategy.examples.join_the_touch:JoinTheTouch",
                        "params": {"symbol": "AAA"}}],
    }
    platform = Platform(Scenario.model_validate(body), [[events(rows)]], len(rows),
                        strategies=[strategy])
    orders = pl.from_arrow(platform.run().orders)
    return orders.filter(pl.col("source") == "strategy.mm").select(
        "action", "side", "price", "outcome", "filled_qty")


def test_it_joins_both_sides_and_follows_the_bid_up() -> None:
    strategy = JoinTheTouch("AAA", size=10)
    rows = [(1 * MS, "add", 101, 1, 1000, 5), (1 * MS, "add", 102, -1, 1010, 5),
            (2 * MS, "add", 103, 1, 1001, 5), (5 * MS, "add", 104, -1, 1020, 1)]
    mine = run(strategy, rows)
    assert mine.rows() == [
        ("add", 1, 1000, "cancelled", 0),   # joined the bid...
        ("add", -1, 1010, "resting", 0),    # ...and the ask
        ("cancel", 1, None, "accepted", 0),  # the bid moved up: leave 1000...
        ("add", 1, 1001, "resting", 0),     # ...and join 1001 once the cancel is confirmed
    ]
    assert strategy.position == 0


def test_a_side_stops_quoting_at_the_position_limit() -> None:
    strategy = JoinTheTouch("AAA", size=10, max_position=10, sides="buy")
    rows = [(1 * MS, "add", 101, 1, 1000, 5),
            (2 * MS, "add", 102, 1, 1000, 5),      # history queues behind the strategy
            (3 * MS, "execute", 101, 1, None, 5),  # the queue ahead trades: no fill
            (4 * MS, "execute", 102, 1, None, 5),  # trades through the strategy: 5 filled
            (5 * MS, "add", 103, 1, 999, 20),
            (6 * MS, "execute", 103, 1, None, 20),  # a seller hit 999, passing 1000: 5 more
            (8 * MS, "add", 104, 1, 999, 5)]        # the limit is reached: no new bid
    mine = run(strategy, rows)
    assert strategy.position == 10
    # the book update (bid now 999) reaches it before its fill report: it tries to move
    # the order that had just filled, and the venue refuses the cancel; it bids no more
    assert mine.rows() == [("add", 1, 1000, "filled", 10), ("cancel", 1, None, "rejected", 0)]


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="sides must be both, buy or sell"):
        JoinTheTouch("AAA", sides="up")
