"""What an order book holds, and the read-only questions it answers.

:class:`BookState` owns the data of one book: two :class:`BookSide` objects
(price levels keyed so the best is the last key), the resting orders by id and
the held stops. It answers queries (best prices, depth, a level's size and
orders, queue position, order lookups) and never changes the book: matching
(:mod:`sim.core.matching`) and the entry points (:mod:`sim.core.book`) are the
layers that do.

The layers are a class chain (``BookState`` <- ``MatchingCore`` <- ``OrderBook``)
rather than objects holding each other, so the hot paths read the book's state as
plain attributes of ``self`` with no extra indirection, and a pickled book is one
object with the same attributes as before the split.
"""

from __future__ import annotations

from sim.core.orders import RestingOrder, SelfTradePrevention, Side, StopOrder
from sim.core.price_levels import BookSide, queue_ahead
from sim.core.stops import StopBook


class BookState:
    """The data of one book (sides, resting orders, held stops) and its read-only queries.

    Args:
        symbol: Instrument name, for the caller's bookkeeping.
        record_deltas: Fill ``BookResult.deltas`` (costs a little per operation).
        self_trade_prevention: What to do when two orders of one account would trade.
    """

    def __init__(
        self,
        symbol: str = "",
        *,
        record_deltas: bool = False,
        self_trade_prevention: SelfTradePrevention = SelfTradePrevention.NONE,
    ) -> None:
        self.symbol = symbol
        self.record_deltas = record_deltas
        self.self_trade_prevention = self_trade_prevention
        self._bids = BookSide(1)
        self._asks = BookSide(-1)
        # Aliases of the sides' dicts and key lists, read directly by the hot paths.
        self._bid_levels = self._bids.levels
        self._ask_levels = self._asks.levels
        self._bid_keys = self._bids.keys
        self._ask_keys = self._asks.keys
        self._orders: dict[int, RestingOrder] = {}
        self._stops = StopBook()
        self._held = self._stops.orders

    def best_bid(self) -> int | None:
        """Highest resting bid price, or None."""
        keys = self._bid_keys
        return keys[-1] if keys else None

    def best_ask(self) -> int | None:
        """Lowest resting ask price, or None."""
        keys = self._ask_keys
        return -keys[-1] if keys else None

    def depth(self, levels: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Up to ``levels`` (price, visible size) pairs per side: (bids, asks), best first."""
        bid_levels = self._bid_levels
        ask_levels = self._ask_levels
        bids = [(price, bid_levels[price].size) for price in self._bids.prices(levels)]
        asks = [(price, ask_levels[price].size) for price in self._asks.prices(levels)]
        return bids, asks

    def level_size(self, side: Side, price: int) -> int:
        """Visible size resting at ``price`` on ``side`` (0 when there is no level)."""
        level = (self._bid_levels if side == 1 else self._ask_levels).get(price)
        return 0 if level is None else level.size

    def level_orders(self, side: Side, price: int) -> list[RestingOrder]:
        """Snapshots of the orders at one level, in time priority (front first)."""
        level = (self._bid_levels if side == 1 else self._ask_levels).get(price, ())
        return [_snapshot(order) for order in level if order.qty]  # qty 0: dead entry

    def queue_position(self, order_id: int) -> int:
        """Visible quantity ahead of a resting order at its level.

        Raises:
            KeyError: The order is not resting on the book.
        """
        order = self._orders[order_id]
        level = (self._bid_levels if order.side == 1 else self._ask_levels)[order.price]
        return queue_ahead(level, order)

    def resting_order(self, order_id: int) -> RestingOrder | None:
        """A snapshot of a resting order, or None when it is not on the book."""
        order = self._orders.get(order_id)
        return None if order is None else _snapshot(order)

    def stop_order(self, order_id: int) -> StopOrder | None:
        """The held (untriggered) stop order with this id, or None. Do not modify it."""
        return self._held.get(order_id)

    @property
    def stop_count(self) -> int:
        """Number of held, untriggered stop orders."""
        return len(self._held)

    def __contains__(self, order_id: int) -> bool:
        return order_id in self._orders

    def __len__(self) -> int:
        return len(self._orders)

    def _crosses(self, side: int, price: int) -> bool:
        """Whether an order on ``side`` at ``price`` would trade against the resting book."""
        if side == 1:
            keys = self._ask_keys
            return bool(keys) and -keys[-1] <= price
        keys = self._bid_keys
        return bool(keys) and keys[-1] >= price


def _snapshot(order: RestingOrder) -> RestingOrder:
    """A copy of a resting order that the caller may keep (the book mutates its own)."""
    return RestingOrder(
        order.order_id,
        order.side,
        order.price,
        order.qty,
        order.hidden_qty,
        order.account,
        order.display_qty,
    )
