"""Per-order accounting of what the books did: fills, cancelled quantity, the fills table.

Book ids: the order with sequence ``seq`` is ``seq + 1`` in its book; direct-route
history orders get ids from ``capacity + 1`` upwards (their venue ids are kept
here, for the fills table). Each book result is settled into the model orders'
columns: ``filled_qty`` and ``filled_notional`` grow with each trade an order is
in, ``cancelled_qty`` with each cancel, modify-down or unfilled market remainder.
Only trades with at least one model order are written to the fills table.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.core.orders import BookResult
from sim.data.schema import INT64_MAX
from sim.errors import DataError
from sim.model.recorder import NULL, OrderRecorder

BookListener = Callable[[int, str, BookResult, int], None]
"""Gets ``(ts_ns, symbol, result, owner seq or -1)`` after each accepted book operation."""


class FillAccounting:
    """Settles book results into the recorder's per-order columns and fills table.

    Args:
        recorder: Per-order columns and fill buffers.
    """

    def __init__(self, recorder: OrderRecorder) -> None:
        self.recorder = recorder
        self.capacity = recorder.capacity
        self.history_venue_ids: list[int] = []
        """Venue id of each history book id, from ``capacity + 1`` on."""
        self.listeners: list[BookListener] = []
        """Told of every settled result, history included, in order (the risk engine and
        strategy sessions follow the books this way)."""
        views = recorder.view
        self._order_id = views("order_id")
        self._filled, self._cancelled = views("filled_qty"), views("cancelled_qty")
        self._notional = views("filled_notional")

    def settle(self, result: BookResult, owner: int, ts_ns: int, symbol: str) -> None:
        """Book trades and cancellations of ``result`` into the model orders' columns."""
        for listener in self.listeners:
            listener(ts_ns, symbol, result, owner)
        capacity = self.capacity
        cancelled = self._cancelled
        if owner >= 0 and result.cancelled_qty:
            cancelled[owner] += result.cancelled_qty
        for order_id, qty in result.cancelled_orders:
            if order_id <= capacity:
                cancelled[order_id - 1] += qty
        if result.trades:
            self._record_trades(result, ts_ns, symbol)

    def _record_trades(self, result: BookResult, ts_ns: int, symbol: str) -> None:
        capacity = self.capacity
        filled, notional = self._filled, self._notional
        fills = self.recorder.fills
        symbol_code = self.recorder.symbol_code(symbol)
        for trade in result.trades:
            maker = trade.maker_id - 1 if trade.maker_id <= capacity else -1
            taker = trade.taker_id - 1 if 0 < trade.taker_id <= capacity else -1
            if maker < 0 and taker < 0:
                continue
            price, qty = trade.price, trade.qty
            for seq in (maker, taker):
                if seq >= 0:
                    if notional[seq] > INT64_MAX - price * qty or filled[seq] > INT64_MAX - qty:
                        raise DataError(
                            f"{symbol}: order {self._order_id[seq]} fills past 2**63 - 1 "
                            "(int64) in filled_qty or filled_notional (price units x shares); "
                            "see docs/data.md")
                    filled[seq] += qty
                    notional[seq] += price * qty
            fills["ts_ns"].append(ts_ns)
            fills["symbol"].append(symbol_code)
            fills["price"].append(price)
            fills["qty"].append(qty)
            fills["maker_seq"].append(maker)
            fills["taker_seq"].append(taker)
            fills["maker_order_id"].append(self._venue_id(trade.maker_id))
            fills["taker_order_id"].append(self._venue_id(trade.taker_id))
            fills["aggressor_side"].append(int(trade.aggressor_side))

    def _venue_id(self, book_id: int) -> int:
        if book_id <= 0:
            return NULL
        if book_id <= self.capacity:
            return self._order_id[book_id - 1]
        return self.history_venue_ids[book_id - self.capacity - 1]
