"""The fill rule for model orders resting in a replayed book: a trade-through fills them first.

A replayed L3 ``execute`` names the historical order a hidden aggressor hit. If
model orders (a strategy's, injected ones) rest at a better price on that side, or
queue before that order at its price, the aggressor would have traded through them
first, in the venue's price-time priority: :func:`fill_ahead` executes each of them,
best price first and in queue order, up to the execution's size. History stays
authoritative: the named order is then executed as the data says, so a model fill
takes no liquidity from historical orders (no market impact beyond the model's own
fills). Historical orders ahead of the
named one (impossible in consistent data) are left alone.
"""

from __future__ import annotations

from sim.core.book import OrderBook
from sim.core.orders import BookResult, Side


def fill_ahead(book: OrderBook, target: int, qty: int, is_model: int) -> list[BookResult]:
    """Execute the model orders ahead of ``target`` (better priced, or earlier at its price).

    Args:
        book: The book ``target`` rests in; changed in place.
        target: The resting order the data executes.
        qty: The execution's size.
        is_model: Book ids up to this one are model orders (the rest are history's).

    Returns:
        One result per model order filled, in queue order (empty when none is ahead).
    """
    order = book.resting_order(target)
    if order is None:
        return []
    side = Side(order.side)
    best = book.best_bid() if side is Side.BUY else book.best_ask()
    prices = [order.price]
    if best is not None and best != order.price:  # rare: only when model orders are better
        bids, asks = book.depth(len(book))
        better = [price for price, _size in (bids if side is Side.BUY else asks)]
        prices = better[: better.index(order.price) + 1]
    results: list[BookResult] = []
    left = qty
    for price in prices:
        for ahead in book.level_orders(side, price):
            if ahead.order_id == target or left <= 0:
                return results
            if ahead.order_id <= is_model:
                result = book.execute(ahead.order_id, min(left, ahead.qty + ahead.hidden_qty))
                left -= result.filled_qty
                results.append(result)
    return results
