"""Fixtures of the validation tests.

``lobster``: the bundled LOBSTER pairs (``data/lobster/``), each imported with its
orderbook file into a temporary Parquet file once per session and read back as
plain column lists, so the oracle and priority tests share one import.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.data.lobster import ImportStats, import_lobster

DATA = Path(__file__).resolve().parents[2] / "data" / "lobster"
DATE = dt.date(2012, 6, 21)
_COLUMNS = ("action", "order_id", "side", "price", "qty", "tif", "source_line")


def _path(pair: str, kind: str) -> Path:
    ticker, level = pair.split("_")
    return DATA / f"{ticker}_2012-06-21_34200000_57600000_{kind}_{level}.csv.gz"


@dataclass(frozen=True)
class Imported:
    """A pair imported with its orderbook file: the stats and the events as lists."""

    stats: ImportStats
    action: list[str]
    order_id: list[int]
    side: list[int]
    price: list[int | None]
    qty: list[int | None]
    tif: list[str | None]
    source_line: list[int]

    def lines(self) -> Iterator[tuple[int, range]]:
        """Yield ``(source_line, index range of its events)`` in file order."""
        lines, count, start = self.source_line, len(self.source_line), 0
        while start < count:
            end = start
            while end < count and lines[end] == lines[start]:
                end += 1
            yield lines[start], range(start, end)
            start = end


class LobsterPairs:
    """The bundled pairs, named ``TICKER_LEVEL`` (``AAPL_1``, ``AMZN_1``, ``AMZN_5``)."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def message_path(self, pair: str) -> Path:
        """The pair's message file."""
        return _path(pair, "message")

    def orderbook_path(self, pair: str) -> Path:
        """The pair's orderbook file."""
        return _path(pair, "orderbook")

    @functools.cache  # noqa: B019 - one session-scoped instance
    def imported(self, pair: str) -> Imported:
        """The pair imported with its orderbook file (imported once)."""
        out = self._folder / f"{pair}.parquet"
        stats = import_lobster(
            self.message_path(pair),
            out,
            symbol=pair.split("_")[0],
            date=DATE,
            orderbook_path=self.orderbook_path(pair),
        )
        table = pq.read_table(out, columns=list(_COLUMNS))
        values = {name: table.column(name).to_pylist() for name in _COLUMNS}
        return Imported(stats=stats, **values)


@pytest.fixture(scope="session")
def lobster(tmp_path_factory: pytest.TempPathFactory) -> LobsterPairs:
    """The bundled LOBSTER pairs with a per-session import cache."""
    return LobsterPairs(tmp_path_factory.mktemp("lobster"))
