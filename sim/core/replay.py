"""What each canonical action does to an order book: the one definition replay and engine share.

``apply_event`` maps a row of the canonical L3 stream (see ``sim.data.schema``)
onto :class:`~sim.core.book.OrderBook`:

- ``add``: a limit order at ``price`` for ``qty``. ``tif`` null or ``"gtc"``
  rests what does not match; ``"ioc"`` cancels it; ``"fok"`` trades all or
  nothing. (Importers write type-4 aggressors as IOC adds.)
- ``cancel``: removes ``qty`` from the order, keeping its priority, or the
  whole order when ``qty`` is null or at least its remaining size.
- ``modify``: sets the order's price and total size; a size decrease at the same
  price keeps priority, anything else sends it to the back of the queue.
- ``market``: takes ``qty`` from the opposite side and never rests.
- ``execute``: the named resting order is filled for ``qty`` by an aggressor the
  data does not show.
- ``trade``: a print; the book does not change and the result is None.

Unknown ids (a ``cancel``, ``modify`` or ``execute`` naming an order that is not
resting, as real feeds have for orders placed before their window) are not
errors: the book rejects them with ``RejectReason.UNKNOWN_ORDER`` and changes
nothing; callers count those rejections.
"""

from __future__ import annotations

from typing import Final

from sim.core.book import OrderBook
from sim.core.orders import BookResult, Side, TimeInForce
from sim.core.vocabulary import OrderAction

# Members bound once: every order passes here, and ``OrderAction.ADD`` costs ~100 ns.
_ADD: Final = OrderAction.ADD
_CANCEL: Final = OrderAction.CANCEL
_MODIFY: Final = OrderAction.MODIFY
_MARKET: Final = OrderAction.MARKET
_EXECUTE: Final = OrderAction.EXECUTE
_TRADE: Final = OrderAction.TRADE


def apply_event(
    book: OrderBook,
    action: OrderAction,
    order_id: int,
    side: int,
    price: int | None,
    qty: int | None,
    tif: str | None = None,
) -> BookResult | None:
    """Apply one canonical event to ``book``.

    Args:
        book: The symbol's book; changed in place.
        action: What the event does (a label from the data: :meth:`OrderAction.parse`).
        order_id: The order the event names (the new order for ``add``/``market``).
        side: 1 buy, -1 sell.
        price: Limit price (``add``, ``modify``); ignored by the other actions.
        qty: Quantity as the canonical schema defines it for ``action``.
        tif: Time in force of an ``add`` (null means GTC).

    Returns:
        The book's result, or None for a ``trade`` (no book change).

    Raises:
        ValueError: for an unknown action or tif, or a missing field the action needs
            (the data reader rejects such rows before a run starts).
    """
    if action == _ADD:
        if price is None or qty is None:
            raise ValueError(f"add of order {order_id} needs a price and a qty")
        if tif is None or tif == "gtc":
            return book.add(order_id, side, price, qty)
        return book.submit(order_id, Side(side), price, qty, tif=TimeInForce(tif))
    if action == _CANCEL:
        return book.cancel(order_id, qty)
    if action == _TRADE:
        return None
    return _apply_sized(book, action, order_id, side, price, qty)


def _apply_sized(
    book: OrderBook, action: OrderAction, order_id: int, side: int, price: int | None,
    qty: int | None,
) -> BookResult:
    """Apply the actions whose ``qty`` is required: execute, market, modify."""
    if qty is None:
        raise ValueError(f"{action} of order {order_id} needs a qty")
    if action == _EXECUTE:
        return book.execute(order_id, qty)
    if action == _MARKET:
        return book.market(order_id, side, qty)
    if action == _MODIFY:
        if price is None:
            raise ValueError(f"modify of order {order_id} needs a price and a qty")
        return book.modify(order_id, price, qty)
    raise ValueError(f"unknown action {action!r}")
