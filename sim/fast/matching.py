"""The matching engine's book logic for model orders, applied in departure order.

The same steps as :meth:`sim.model.matching.MatchingEngine._process` for the orders
the fast engine supports (client orders of one full-route source: no history rows,
no write-ahead log, no post-only orders): the core :class:`~sim.core.book.OrderBook`
and :func:`~sim.core.replay.apply_event`, venue ids per (source, symbol), fills and
cancels settled by the model's :class:`~sim.model.fill_accounting.FillAccounting`.
Outcomes depend only on the order in which matching serves orders, which the fast
engine knows exactly, so this is one Python step per order and no approximation.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from sim.core.book import OrderBook
from sim.core.orders import BookResult, Side
from sim.core.replay import apply_event
from sim.core.vocabulary import OrderAction, RejectReason
from sim.data.events import TIF_BY_CODE
from sim.model.amend import amend_resting
from sim.model.fill_accounting import FillAccounting
from sim.model.recorder import MATCHING, OrderRecorder

_ADD, _MARKET = OrderAction.ADD, OrderAction.MARKET
_UNKNOWN_ORDER, _DUPLICATE = RejectReason.UNKNOWN_ORDER, RejectReason.DUPLICATE_ORDER_ID


class FastMatching:
    """Books and accounting of one run; :meth:`apply` each order at its matching end.

    Args:
        recorder: Per-order columns (order fields in; fills and accounting out).
        tif: Time-in-force code of every order (``TIF_BY_CODE``), by seq.
    """

    def __init__(self, recorder: OrderRecorder, tif: npt.NDArray[np.int8]) -> None:
        self.recorder = recorder
        self.books = [OrderBook(symbol) for symbol in recorder.symbols]
        self._capacity = recorder.capacity
        self._ids: dict[tuple[int, int], dict[int, int]] = {}
        self.accounting = FillAccounting(recorder)
        self._tif = tif.tolist()
        columns = recorder.columns
        self._action, self._symbol = columns["action"].tolist(), columns["symbol"].tolist()
        self._source, self._order_id = columns["source"].tolist(), columns["order_id"].tolist()
        self._side, self._price = columns["side"].tolist(), columns["price"].tolist()
        self._qty = recorder.view("qty")
        self._filled, self._cancelled = recorder.view("filled_qty"), recorder.view("cancelled_qty")
        self.book_changes = 0
        self.rejected_by_reason: dict[str, int] = {}

    def apply(self, seqs: list[int], times: list[int]) -> list[bool]:
        """Apply orders ``seqs`` at ``times`` in that order; whether each changed a book.

        A refused order is marked rejected at matching in the recorder.
        """
        changed = [False] * len(seqs)
        settle = self.accounting.settle
        for index, (seq, now) in enumerate(zip(seqs, times, strict=True)):
            outcome = self._apply(seq)
            if isinstance(outcome, RejectReason):
                self.recorder.reject(seq, MATCHING, outcome)
                label = outcome.label
                self.rejected_by_reason[label] = self.rejected_by_reason.get(label, 0) + 1
                continue
            result, owner = outcome
            settle(result, owner, now, self.books[self._symbol[seq]].symbol)
            if self._action[seq] != _MARKET or result.trades:
                self.book_changes += 1
                changed[index] = True
        return changed

    def _apply(self, seq: int) -> tuple[BookResult, int] | RejectReason:
        """``MatchingEngine._apply`` for a live client order."""
        action, symbol = self._action[seq], self._symbol[seq]
        book = self.books[symbol]
        key = (self._source[seq], symbol)
        ids = self._ids.get(key)
        if ids is None:
            ids = self._ids[key] = {}
        venue_id = self._order_id[seq]
        owner = seq
        if action == _ADD:
            resting = ids.get(venue_id)
            if resting is not None and resting in book:
                return _DUPLICATE
            added = apply_event(book, _ADD, seq + 1, self._side[seq], self._price[seq],
                                self._qty[seq], TIF_BY_CODE[self._tif[seq]])
            assert added is not None  # only a trade has no book result
            result = added
            if result.accepted:
                ids[venue_id] = seq + 1
        elif action == _MARKET:
            result = book.market(seq + 1, self._side[seq], self._qty[seq])
        else:
            target = ids.get(venue_id)
            if target is None or target not in book:
                return _UNKNOWN_ORDER
            owner = target - 1 if target <= self._capacity else -1
            result = amend_resting(book, action, seq, target, owner, self._price, self._qty,
                                   self._filled, self._cancelled)
        if result.reject_reason is not None:
            return result.reject_reason
        return result, owner

    def finish(self) -> None:
        """Write ``resting_qty`` of every order still on a book (``MatchingEngine.finish``)."""
        resting = self.recorder.view("resting_qty")
        capacity = self._capacity
        for book in self.books:
            bids, asks = book.depth(len(book) + 1)
            for side, levels in ((Side.BUY, bids), (Side.SELL, asks)):
                for price, _size in levels:
                    for order in book.level_orders(side, price):
                        if order.order_id <= capacity:
                            resting[order.order_id - 1] = order.qty + order.hidden_qty
