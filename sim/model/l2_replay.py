"""L2 history in the matching engine: level and trade rows, queue models, recorded delays.

The engine's L2 symbols (those an L2 source replays) get an
:class:`~sim.core.l2_book.L2Book` (:meth:`L2Replay.use_l2`); their rows come here from
the feed rather than through :func:`sim.core.replay.apply_event`, since they name
levels, not orders. Model orders take the engine's usual path into the same book. Each
model order's queue model is its source's (a strategy's ``queue_model``), else
risk-averse. The last row's ``ts_recv - ts`` is kept for ``latency = "from_data"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sim.core.l2_book import L2Action, L2Book
from sim.core.matching import SIDE_OF
from sim.core.orders import BookResult, Trade
from sim.core.queue_models import RISK_AVERSE, QueueModel
from sim.core.results import accepted
from sim.errors import DataError

if TYPE_CHECKING:
    from sim.model.matching import MatchingEngine

_LEVEL = L2Action.LEVEL
_LEVEL_CHANGED = accepted(0, 0)
"""The result listeners get for a ``level`` row (no trade; the top may have moved)."""


class L2Replay:
    """The engine's L2 part: which books are L2, their rows, their queue models.

    Args:
        engine: The matching engine whose books and listeners it uses.
    """

    def __init__(self, engine: MatchingEngine) -> None:
        self.engine = engine
        self._capacity = engine.recorder.capacity
        self._source = engine.recorder.view("source")
        self.queue_models: dict[int, QueueModel] = {}
        """Queue model of the model orders of each recorder source (strategies set theirs)."""
        self.recorded_delay_ns = 0
        """``ts_recv - ts`` of the last L2 row applied (``latency = "from_data"`` reads it)."""
        self.recorded_paths: list[Path] = []
        """Files the feeds replay (a ``from_data`` empirical link draws from their delays)."""
        self.levels = 0
        self.trades = 0
        self.fills = 0

    def use_l2(self, symbol: int) -> None:
        """Make symbol code ``symbol``'s book an :class:`L2Book` (an L2 source replays it).

        Raises:
            DataError: model orders already rest in its L3 book.
        """
        books = self.engine.books
        book = books[symbol]
        if isinstance(book, L2Book):
            return
        if len(book):
            raise DataError(f"symbol {book.symbol!r}: model orders rest in its book before its "
                            "first L2 row; an L2 symbol's book must start from its L2 source")
        books[symbol] = L2Book(book.symbol, self.queue_model_of)

    def queue_model_of(self, book_id: int) -> QueueModel:
        """The queue model of model order ``book_id``: its source's, else risk-averse."""
        seq = book_id - 1
        if 0 <= seq < self._capacity:
            return self.queue_models.get(self._source[seq], RISK_AVERSE)
        return RISK_AVERSE

    def apply(self, ts_ns: int, action: int, symbol: int, side: int, price: int, qty: int,
              delay_ns: int) -> None:
        """Apply one L2 row at ``ts_ns``: a ``level`` sets history, a ``trade`` fills model orders.

        Listeners (strategies, risk) get each model fill, then the print (a ``trade``) or
        a no-trade result (a ``level``); ``delay_ns`` is the row's ``ts_recv - ts``.
        """
        engine = self.engine
        book = engine.books[symbol]
        assert isinstance(book, L2Book)  # use_l2 ran when the feed read the batch
        self.recorded_delay_ns = delay_ns
        engine.history_applied += 1
        settle = engine.accounting.settle
        if action == _LEVEL:
            self.levels += 1
            book.set_level(side, price, qty)
            settle(_LEVEL_CHANGED, -1, ts_ns, book.symbol)
            return
        self.trades += 1
        for fill in book.trade(side, price, qty):
            self.fills += 1
            settle(fill, -1, ts_ns, book.symbol)
        printed = Trade(price, qty, 0, 0, SIDE_OF[-side], None, None)
        settle(BookResult(True, None, [printed], 0, 0, 0, [], [], []), -1, ts_ns, book.symbol)

    def stats(self) -> dict[str, int]:
        """``l2_levels``, ``l2_trades``, ``l2_fills`` (empty when no L2 row was applied)."""
        if not (self.levels or self.trades):
            return {}
        return {"l2_levels": self.levels, "l2_trades": self.trades, "l2_fills": self.fills}
