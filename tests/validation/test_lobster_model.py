"""The SimPy model replays real Nasdaq books exactly: route=direct equals the pure replay.

A bundled LOBSTER pair is imported into a canonical file, read back with
``sim.data.reader`` (``tif`` column included) and replayed through the baseline
platform with one ``direct`` source. Its final book must equal, level by level
on both sides, the book ``sim.core.replay.apply_event`` builds from the same
rows; every row must be consumed and every non-print row applied, with the same
unknown-order rejections as the pure replay.

With its orderbook file the importer's IOC aggressors take exactly what the
rows took, so none leaves a remainder. Imported without it, aggressors meet a
book missing the orders that rested before the window, and many IOC remainders
are cancelled: a model that rested them would end with extra liquidity (99
extra orders on AMZN level 1), so that case pins the ``tif`` column end to end.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from sim.core.book import OrderBook
from sim.core.replay import apply_event
from sim.core.vocabulary import OrderAction
from sim.data.lobster import import_lobster
from sim.data.reader import inspect_source, iter_event_batches
from sim.model.platform import Platform
from sim.scenario import scenario_from_dict

DATE = dt.date(2012, 6, 21)
Depth = tuple[list[tuple[int, int]], list[tuple[int, int]]]


def full_depth(book: OrderBook) -> Depth:
    """Every level of both sides: (bids, asks), best first, as (price, visible size)."""
    return book.depth(len(book) + 1)


@dataclass
class Replayed:
    """The pure replay of a canonical file."""

    book: OrderBook
    rejected: Counter[str]
    prints: int
    ioc_remainders: int
    """IOC adds whose unfilled remainder was cancelled."""


def pure_replay(path: Path, symbol: str) -> Replayed:
    """Replay the canonical file row by row with ``apply_event``."""
    columns = ("action", "order_id", "side", "price", "qty", "tif")
    table = pq.read_table(path, columns=list(columns))
    replayed = Replayed(OrderBook(symbol), Counter(), 0, 0)
    rows = zip(*(table.column(name).to_pylist() for name in columns), strict=True)
    for action, order_id, side, price, qty, tif in rows:
        result = apply_event(replayed.book, OrderAction.parse(action), order_id, side, price, qty,
                             tif)
        if result is None:
            replayed.prints += 1
        elif not result.accepted:
            replayed.rejected[str(result.reject_reason)] += 1
        elif tif == "ioc" and result.cancelled_qty:
            replayed.ioc_remainders += 1
    return replayed


@pytest.mark.parametrize(
    ("pair", "with_orderbook"),
    [("AMZN_1", True), ("AMZN_5", True), ("AMZN_1", False)],
    ids=["AMZN_1", "AMZN_5", "AMZN_1-no-orderbook"],
)
def test_direct_route_final_book_equals_pure_replay(
    pair: str, with_orderbook: bool, lobster: Any, tmp_path: Path
) -> None:
    """route=direct through the SimPy model ends with exactly the pure replay's book."""
    symbol = pair.split("_")[0]
    path = tmp_path / f"{pair}.parquet"
    import_lobster(
        lobster.message_path(pair),
        path,
        symbol=symbol,
        date=DATE,
        orderbook_path=lobster.orderbook_path(pair) if with_orderbook else None,
    )
    info = inspect_source(path)
    assert "tif" in info.optional
    scenario = scenario_from_dict(
        {
            "name": f"lobster_{pair.lower()}",
            "data": {"sources": [{"name": "nasdaq", "path": str(path), "route": "direct"}]},
        }
    )
    # Platform(...).run() is exactly run_platform, keeping the books to compare.
    platform = Platform(scenario, {"nasdaq": lambda: iter_event_batches(info)}, info.rows)
    result = platform.run()

    expected = pure_replay(path, symbol)
    (book,) = platform.matching.books
    assert full_depth(book) == full_depth(expected.book)
    assert len(book) == len(expected.book)
    assert result.events_processed == info.rows
    assert result.direct_events_applied + expected.prints == info.rows
    matching = result.components["stage.matching"]
    assert matching["history_applied"] == result.direct_events_applied
    model_rejected = {
        name.removeprefix("history_rejected."): count
        for name, count in matching.items()
        if name.startswith("history_rejected.")
    }
    assert model_rejected == dict(expected.rejected)
    assert result.orders.num_rows == 0
    assert (expected.ioc_remainders > 0) is not with_orderbook
