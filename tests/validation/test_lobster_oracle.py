"""Replaying imported LOBSTER messages through OrderBook rebuilds LOBSTER's own book files.

For each bundled pair the importer runs with the orderbook file; the events are
applied in file order with ``apply_event`` and, after the events of each message
row, the book's top N levels (price and size, both sides) must equal that row of
the orderbook file.

The only rows not compared are the inner rows of merged aggressors: consecutive
type-4 rows of one timestamp and direction become one IOC aggressor, written at
the last row, so the book passes from the state before the first row straight
to the state after the last. The intermediate states (one aggressor half-way
through its fills) do not exist in a replay. They are counted and must be
exactly the importer's ``merged_rows``, all type-4 rows followed by a type-4 row
of the same timestamp and direction.

The window counts are cross-checked with the independent check in the data's
provenance notes: levels entering from beyond depth N are the levels that check
had to adopt from the file (AAPL 30,071; AMZN-1 13,953; AMZN-5 33,840).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.core.book import OrderBook
from sim.core.replay import apply_event
from sim.core.vocabulary import OrderAction
from sim.data.lobster_parse import iter_messages, iter_orderbook

PAIRS = ("AAPL_1", "AMZN_1", "AMZN_5")
# pair: (rows, rows compared, inner rows of merged aggressors, levels entering the window)
EXPECTED = {
    "AAPL_1": (118_497, 113_015, 5_482, 30_071),
    "AMZN_1": (57_515, 55_151, 2_364, 13_953),
    "AMZN_5": (155_935, 153_594, 2_341, 33_840),
}


def _mergeable_lines(path: Path) -> set[int]:
    """Lines of type-4 rows followed by a type-4 row of the same time and direction."""
    lines: set[int] = set()
    previous = None
    for message in iter_messages(path):
        if (
            previous is not None
            and previous.type == 4
            and message.type == 4
            and previous.time_ns == message.time_ns
            and previous.direction == message.direction
        ):
            lines.add(previous.line)
        previous = message
    return lines


@pytest.mark.parametrize("pair", PAIRS)
def test_replay_reproduces_every_orderbook_row(lobster: Any, pair: str) -> None:
    """Every determinable orderbook row equals the replayed book's top N, level by level."""
    data = lobster.imported(pair)
    book = OrderBook(pair)
    lines = data.lines()
    line, events = next(lines)
    assert line == 0  # the seeded book before the first message
    rejected = 0
    for index in events:
        result = apply_event(
            book,
            OrderAction.parse(data.action[index]),
            data.order_id[index],
            data.side[index],
            data.price[index],
            data.qty[index],
            data.tif[index],
        )
        rejected += result is not None and not result.accepted
    line, events = next(lines, (0, range(0)))
    compared, skipped, mismatched = 0, [], []
    for row in iter_orderbook(lobster.orderbook_path(pair)):
        if line != row.line:
            skipped.append(row.line)
            continue
        for index in events:
            result = apply_event(
                book,
                OrderAction.parse(data.action[index]),
                data.order_id[index],
                data.side[index],
                data.price[index],
                data.qty[index],
                data.tif[index],
            )
            rejected += result is not None and not result.accepted
        line, events = next(lines, (0, range(0)))
        bids, asks = book.depth(row.depth)
        compared += 1
        if tuple(bids) != row.bids or tuple(asks) != row.asks:
            mismatched.append((row.line, bids, row.bids, asks, row.asks))
    rows, expected_compared, expected_skipped, entries = EXPECTED[pair]
    assert not mismatched, f"{len(mismatched)} rows differ, first: {mismatched[:3]}"
    assert rejected == 0
    assert compared + len(skipped) == rows == data.stats.rows_read
    assert compared == expected_compared
    assert len(skipped) == expected_skipped == data.stats.merged_rows
    assert set(skipped) <= _mergeable_lines(lobster.message_path(pair))
    assert data.stats.window_entries == entries
    assert data.stats.window_mismatches == 0
    assert data.stats.unresolved_references == 0
