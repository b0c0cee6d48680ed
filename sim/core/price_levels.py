"""Price levels and one side of the book: FIFO queues indexed by price.

A side is a dict ``price -> PriceLevel`` plus a plain list of level keys kept
sorted ascending, where the key is ``side * price``: bids are keyed by price and
asks by minus price, so on both sides the best level is the *last* key. Reading
the best price is ``keys[-1]``; removing the best level is ``keys.pop()``; a new
level is placed with ``bisect.insort``, whose memmove stays tiny because
activity concentrates near the best price. (Measured against
``sortedcontainers.SortedList`` and a lazy-deletion heap on a LOBSTER day, the
plain list was the fastest and keeps depth queries trivial.)
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from typing import Final

from sim.core.orders import RestingOrder, SelfTradePrevention


class PriceLevel(deque[RestingOrder]):
    """Orders resting at one price, in time priority, with their total visible size.

    Removal is lazy so that it is O(1) wherever the order sits: an order taken
    out of the middle of the queue is only marked dead (its ``qty`` set to 0, which
    no live resting order has) and counted in ``dead``; dead entries are popped
    when they reach the front and the queue is compacted once they make up most
    of it. Invariant: the front entry is always live, so an empty deque is
    exactly a level without orders. Readers skip entries whose ``qty`` is 0.
    """

    __slots__ = ("dead", "size")
    # Both set by whoever creates the level (no __init__: creation is on the hot path).
    size: int  # total visible quantity of the live orders
    dead: int  # dead entries still in the deque


COMPACT_MIN: Final = 32  # compact only levels with more dead entries than this


def pop_dead(level: PriceLevel) -> None:
    """Pop the dead entries at the front of ``level`` (restores the front-is-live invariant)."""
    dead = level.dead
    while level and not level[0].qty:
        level.popleft()
        dead -= 1
    level.dead = dead


def remove_order(level: PriceLevel, order: RestingOrder) -> None:
    """Take a live ``order`` out of ``level`` in O(1) (amortized); sets its ``qty`` to 0.

    The caller drops the level from its side when it ends up empty.
    """
    level.size -= order.qty
    order.qty = 0
    if level[0] is order:
        level.popleft()
        if level.dead:
            pop_dead(level)
    else:
        mark_dead(level)


def mark_dead(level: PriceLevel) -> None:
    """Count one more dead entry (already zeroed, not at the front); compact when they dominate."""
    dead = level.dead + 1
    if dead > COMPACT_MIN and dead * 2 > len(level):
        compact(level)
    else:
        level.dead = dead


def compact(level: PriceLevel) -> None:
    """Drop every dead entry of ``level`` (O(len), amortized over the removals that made them)."""
    live = [order for order in level if order.qty]
    level.clear()
    level.extend(live)
    level.dead = 0


class BookSide:
    """All price levels of one side (``sign`` 1 for bids, -1 for asks)."""

    __slots__ = ("keys", "levels", "sign")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.levels: dict[int, PriceLevel] = {}
        self.keys: list[int] = []

    def best(self) -> int | None:
        """Best price on this side, or None when the side is empty."""
        keys = self.keys
        return keys[-1] * self.sign if keys else None

    def level_for(self, price: int) -> PriceLevel:
        """Return the level at ``price``, creating it (empty) when missing."""
        level = self.levels.get(price)
        if level is None:
            level = self.levels[price] = PriceLevel()
            level.size = 0
            level.dead = 0
            insort(self.keys, self.sign * price)
        return level

    def drop(self, price: int) -> None:
        """Remove the (empty) level at ``price`` from the side."""
        del self.levels[price]
        keys = self.keys
        key = self.sign * price
        if keys[-1] == key:
            keys.pop()
        else:
            del keys[bisect_left(keys, key)]

    def prices(self, count: int) -> list[int]:
        """Up to ``count`` prices of this side, best first."""
        if count <= 0:
            return []
        sign = self.sign
        return [sign * key for key in reversed(self.keys[-count:])]


def queue_ahead(level: PriceLevel, order: RestingOrder) -> int:
    """Visible quantity queued in front of ``order`` at its level."""
    ahead = 0
    for other in level:  # dead entries have qty 0: they add nothing
        if other is order:
            return ahead
        ahead += other.qty
    raise KeyError(order.order_id)


def level_fillable(
    level: PriceLevel, account: str | None, prevention: SelfTradePrevention
) -> tuple[int, bool]:
    """Quantity a taker could fill at this level, and whether self-trade prevention stops it.

    Mirrors the matching loop: without an own-account order in the queue every
    order fills fully, refreshed iceberg slices included. With ``CANCEL_OLDEST``
    own orders are skipped (they are cancelled, not traded). With
    ``CANCEL_NEWEST`` or ``CANCEL_BOTH`` the taker stops at the first own order, so
    only the visible slices in front of it count (refreshes go behind it).
    """
    visible = 0
    hidden = 0
    for order in level:
        if not order.qty:  # dead entry
            continue
        if account is not None and order.account == account:
            if prevention is SelfTradePrevention.CANCEL_OLDEST:
                continue
            return visible, True
        visible += order.qty
        hidden += order.hidden_qty
    return visible + hidden, False
