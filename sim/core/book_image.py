"""A comparable image of an order book: what two books must share to be the same book."""

from __future__ import annotations

from sim.core.book import OrderBook
from sim.core.orders import Side

OrderImage = tuple[int, int, int, int]
"""``(order id, price, visible qty, hidden qty)`` of one resting order."""
BookImage = tuple[tuple[OrderImage, ...], tuple[OrderImage, ...], int]
"""Bids best first, asks best first (each level in time priority), and pending stop count."""


def book_image(book: OrderBook) -> BookImage:
    """Every resting order in priority order, plus the number of pending stops.

    Built from the public API only, so books with different internal histories
    (lazy deletions, compactions) compare equal when they would trade the same.
    """
    bids, asks = book.depth(len(book) + 1)
    sides = []
    for side, levels in ((Side.BUY, bids), (Side.SELL, asks)):
        sides.append(tuple(
            (order.order_id, order.price, order.qty, order.hidden_qty)
            for price, _size in levels
            for order in book.level_orders(side, price)
        ))
    return sides[0], sides[1], book.stop_count
