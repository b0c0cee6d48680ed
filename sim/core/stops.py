"""Stop and stop-limit orders held off the book until a trade reaches their stop price.

A buy stop triggers when a trade prints at or above its stop price, a sell stop
when a trade prints at or below it. Stops triggered by the same trade enter in
arrival order, which keeps cascades deterministic. Each side is a list kept
sorted by ``(stop_price, sequence)`` so triggering takes a prefix (buys) or a
suffix (sells) without scanning the rest.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort

from sim.core.orders import StopOrder, TimeInForce

_StopKey = tuple[int, int, int]  # (stop_price, sequence, order_id)


class StopBook:
    """The untriggered stop orders of one book, indexed by id and by stop price.

    Attributes:
        orders: Held stops by order id; read-only for everyone but this class.
    """

    __slots__ = ("_buys", "_sells", "_sequence", "orders")

    def __init__(self) -> None:
        self.orders: dict[int, StopOrder] = {}
        self._buys: list[_StopKey] = []
        self._sells: list[_StopKey] = []
        self._sequence = 0

    def __contains__(self, order_id: int) -> bool:
        return order_id in self.orders

    def __len__(self) -> int:
        return len(self.orders)

    def get(self, order_id: int) -> StopOrder | None:
        """Return the held stop with this id, or None."""
        return self.orders.get(order_id)

    def hold(
        self,
        order_id: int,
        side: int,
        stop_price: int,
        price: int | None,
        qty: int,
        tif: TimeInForce,
        display_qty: int | None,
        account: str | None,
    ) -> StopOrder:
        """Hold a new stop order (the caller has validated it) and return its record."""
        self._sequence += 1
        order = StopOrder(
            order_id, side, stop_price, price, qty, tif, display_qty, account, self._sequence
        )
        self.orders[order_id] = order
        insort(self._buys if side == 1 else self._sells, (stop_price, self._sequence, order_id))
        return order

    def remove(self, order_id: int) -> StopOrder | None:
        """Remove and return a held stop, or None when there is none with this id."""
        order = self.orders.pop(order_id, None)
        if order is not None:
            keys = self._buys if order.side == 1 else self._sells
            key = (order.stop_price, order.sequence, order_id)
            del keys[bisect_left(keys, key)]
        return order

    def trigger(self, trade_price: int) -> list[StopOrder]:
        """Remove and return the stops a trade at ``trade_price`` triggers, in arrival order."""
        buys = self._buys
        cut = bisect_right(buys, (trade_price, 1 << 62))
        hit = buys[:cut]
        del buys[:cut]
        sells = self._sells
        cut = bisect_left(sells, (trade_price,))
        hit.extend(sells[cut:])
        del sells[cut:]
        if not hit:
            return []
        hit.sort(key=_sequence_of)
        orders = self.orders
        return [orders.pop(order_id) for _, _, order_id in hit]


def _sequence_of(key: _StopKey) -> int:
    return key[1]
