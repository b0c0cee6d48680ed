"""Our FIFO engine fills the same orders as Nasdaq did in LOBSTER's type-4 executions.

Each run of consecutive type-4 rows of one timestamp and direction is one
aggressor: opposite side, limited at the worst executed price, for the summed
size. The importer writes it as an IOC ``add`` when its shadow of the queues says
strict FIFO explains the rows, else as one ``execute`` per row. Either way this
test asks the real engine: for an IOC aggressor the fills are the result of
replaying it; for the ``execute`` fallback the same aggressor is sent to a copy
of the book taken just before the run. A row counts as matched when its order id
is among the engine's makers with exactly the quantity the rows name for it.

Only *known* orders count: ids resting on the replay book when the run starts
(the others are orders that rested before 09:30 or were added beyond depth N,
which the book holds as anonymous blocks). The provenance notes' independent
head-of-queue check found 99.77% / 99.82% / 99.52%; Nasdaq is not strictly FIFO
(same-nanosecond fills listed out of order, replace keeping priority, non-FIFO
order types).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sim.core.book import OrderBook
from sim.core.orders import BookResult, Side, TimeInForce
from sim.core.replay import apply_event
from sim.core.vocabulary import OrderAction
from sim.data.lobster_parse import Message, iter_messages

PAIRS = ("AAPL_1", "AMZN_1", "AMZN_5")
# pair: (known-order type-4 rows, of which the engine fills exactly as LOBSTER says)
EXPECTED = {
    "AAPL_1": (10_938, 10_918),  # 99.82%
    "AMZN_1": (4_482, 4_478),  # 99.91%
    "AMZN_5": (7_307, 7_283),  # 99.67%
}
# pair: runs the importer wrote as ``execute`` rows (strict FIFO does not explain them)
PROBED = {"AAPL_1": 19, "AMZN_1": 4, "AMZN_5": 12}
MIN_RATE = 0.995


@dataclass
class Run:
    """Consecutive type-4 rows of one timestamp and direction."""

    rows: list[Message] = field(default_factory=list)

    @property
    def aggressor(self) -> tuple[Side, int, int]:
        """Side, limit price and quantity of the aggressor the rows imply."""
        direction = self.rows[0].direction
        prices = [row.price for row in self.rows]
        limit = max(prices) if direction == -1 else min(prices)
        return Side(-direction), limit, sum(row.size for row in self.rows)


def _runs(path: Path) -> list[Run]:
    """Type-4 runs of a message file, in file order."""
    runs: list[Run] = []
    current: Run | None = None
    for message in iter_messages(path):
        if message.type != 4:
            current = None
            continue
        first = current.rows[0] if current else None
        if first is None or (first.time_ns, first.direction) != (
            message.time_ns,
            message.direction,
        ):
            current = Run()
            runs.append(current)
        current.rows.append(message)
    return runs


def _apply(book: OrderBook, data: Any, index: int) -> BookResult | None:
    return apply_event(
        book,
        OrderAction.parse(data.action[index]),
        data.order_id[index],
        data.side[index],
        data.price[index],
        data.qty[index],
        data.tif[index],
    )


def _engine_fills(result: BookResult) -> dict[int, int]:
    fills: dict[int, int] = {}
    for trade in result.trades:
        fills[trade.maker_id] = fills.get(trade.maker_id, 0) + trade.qty
    return fills


def _score(run: Run, known: set[int], fills: dict[int, int]) -> tuple[int, int]:
    """Known rows of the run and how many of them the engine filled as LOBSTER says."""
    named: dict[int, int] = {}
    for row in run.rows:
        named[row.order_id] = named.get(row.order_id, 0) + row.size
    rows = [row for row in run.rows if row.order_id in known]
    return len(rows), sum(fills.get(row.order_id) == named[row.order_id] for row in rows)


def _priority(lobster: Any, pair: str) -> tuple[int, int, int]:
    """Replay ``pair``; return (known rows, matched rows, runs sent to a book copy)."""
    data = lobster.imported(pair)
    runs = _runs(lobster.message_path(pair))
    by_first = {run.rows[0].line: run for run in runs}
    by_last = {run.rows[-1].line: run for run in runs}
    book = OrderBook(pair)
    pending: Run | None = None  # the run whose IOC aggressor is among this line's events
    known_rows = matched = probed = 0
    known: set[int] = set()
    for line, events in data.lines():
        executes = any(data.action[i] == "execute" for i in events)
        if executes and line in by_first:
            run = by_first[line]
            known = {row.order_id for row in run.rows if row.order_id in book}
            side, limit, qty = run.aggressor
            probe = copy.deepcopy(book)
            counts = _score(
                run, known, _engine_fills(probe.submit(0, side, limit, qty, tif=TimeInForce.IOC))
            )
            known_rows, matched, probed = known_rows + counts[0], matched + counts[1], probed + 1
        elif not executes and line in by_last:
            pending = by_last[line]
            known = {row.order_id for row in pending.rows if row.order_id in book}
        for index in events:
            result = _apply(book, data, index)
            if data.tif[index] == "ioc":
                assert pending is not None
                assert result is not None
                assert (Side(data.side[index]), data.price[index], data.qty[index]) == (
                    pending.aggressor
                )
                counts = _score(pending, known, _engine_fills(result))
                known_rows, matched = known_rows + counts[0], matched + counts[1]
                pending = None
    assert pending is None
    return known_rows, matched, probed


@pytest.mark.parametrize("pair", PAIRS)
def test_fifo_engine_fills_lobster_order_ids(lobster: Any, pair: str) -> None:
    """At least 99.5% of known-order type-4 rows are filled by our FIFO aggressor as recorded."""
    known_rows, matched, probed = _priority(lobster, pair)
    rate = matched / known_rows
    assert (known_rows, matched) == EXPECTED[pair], f"{rate:.4%}, {probed} runs probed"
    assert rate >= MIN_RATE
    assert probed == PROBED[pair]
