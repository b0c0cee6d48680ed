"""The importer's model of the book its output will rebuild: FIFO queues per price.

The LOBSTER importer keeps this shadow in step with the events it writes, so it
can tell which resting orders an aggressor would fill under strict price-time
priority, and which levels entered or left the visible window. Each queue holds
*known* orders (their type-1 message is in the file) and *blocks*: synthetic
orders standing for volume the file never showed (orders resting before the
first message, or added while their level was beyond the file's depth).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(slots=True, eq=False)
class Resting:
    """One order in the shadow book (identity semantics: two objects never compare equal)."""

    order_id: int
    side: int
    price: int
    remaining: int
    known: bool
    """True for a LOBSTER order, False for a synthetic block of unseen volume."""


class ShadowBook:
    """FIFO price levels of both sides, mirroring the replay book's queue order."""

    __slots__ = ("_blocks", "_known", "_levels", "_sizes")

    def __init__(self) -> None:
        self._levels: dict[int, dict[int, deque[Resting]]] = {1: {}, -1: {}}
        self._sizes: dict[int, dict[int, int]] = {1: {}, -1: {}}
        self._known: dict[int, Resting] = {}
        self._blocks: dict[tuple[int, int], Resting] = {}

    def known(self, order_id: int) -> Resting | None:
        """Return the live known order with this LOBSTER id, if any."""
        return self._known.get(order_id)

    def block(self, side: int, price: int) -> Resting | None:
        """Return the block of unseen volume at a level, if any."""
        return self._blocks.get((side, price))

    def add(self, order: Resting) -> None:
        """Append an order (known or block) at the back of its level's queue."""
        side = order.side
        level = self._levels[side].get(order.price)
        if level is None:
            level = self._levels[side][order.price] = deque()
        level.append(order)
        sizes = self._sizes[side]
        sizes[order.price] = sizes.get(order.price, 0) + order.remaining
        if order.known:
            self._known[order.order_id] = order
        else:
            self._blocks[(side, order.price)] = order

    def reduce(self, order: Resting, qty: int) -> None:
        """Take ``qty`` (at most its remaining size) off an order; drop it when it reaches 0."""
        qty = min(qty, order.remaining)
        order.remaining -= qty
        sizes = self._sizes[order.side]
        sizes[order.price] -= qty
        if order.remaining == 0:
            self._forget(order)

    def _forget(self, order: Resting) -> None:
        levels = self._levels[order.side]
        level = levels[order.price]
        level.remove(order)
        if not level:
            del levels[order.price]
            del self._sizes[order.side][order.price]
        if order.known:
            del self._known[order.order_id]
        else:
            del self._blocks[(order.side, order.price)]

    def drop_level(self, side: int, price: int) -> list[Resting]:
        """Remove a whole level (it left the visible window); return its orders in queue order."""
        orders = list(self._levels[side][price])
        for order in orders:
            order.remaining = 0
            self._forget(order)
        return orders

    def sizes(self, side: int) -> dict[int, int]:
        """Total remaining size per occupied price of one side (read-only view)."""
        return self._sizes[side]

    def prices(self, side: int) -> list[int]:
        """Occupied prices of one side, best first."""
        return sorted(self._sizes[side], reverse=side == 1)

    def queue_snapshot(self, side: int, limit: int) -> list[tuple[Resting, int]]:
        """Orders an aggressor limited at ``limit`` could reach, in fill order, with their sizes."""
        snapshot: list[tuple[Resting, int]] = []
        for price in self.prices(side):
            if (price < limit) if side == 1 else (price > limit):
                break
            snapshot.extend((order, order.remaining) for order in self._levels[side][price])
        return snapshot


def fifo_fills(queue: list[tuple[Resting, int]], qty: int) -> dict[int, int]:
    """Quantity per order id a strict FIFO aggressor of ``qty`` takes from ``queue``."""
    fills: dict[int, int] = {}
    for order, size in queue:
        if qty <= 0:
            break
        take = min(size, qty)
        fills[order.order_id] = fills.get(order.order_id, 0) + take
        qty -= take
    return fills
