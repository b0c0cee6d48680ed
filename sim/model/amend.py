"""Cancel and modify of a resting order, shared by the SimPy and the fast engine.

One function, so both engines apply an amendment, and grow a model order's ``qty`` when
a modify asks for more than it has left, in exactly the same way.
"""

from __future__ import annotations

from sim.core.book import OrderBook
from sim.core.orders import BookResult
from sim.core.vocabulary import OrderAction
from sim.model.recorder import NULL

IntColumn = memoryview | list[int]
"""An order column read (and for ``qty`` written) by row: a recorder view or a list."""

_CANCEL = OrderAction.CANCEL


def amend_resting(book: OrderBook, action: int, seq: int, target: int, owner: int,
                  price: IntColumn, qty: IntColumn, filled: IntColumn,
                  cancelled: IntColumn) -> BookResult:
    """Apply cancel or modify ``seq`` to resting order ``target`` (both engines share it).

    A null price or qty keeps the resting one; a modify that grows model order ``owner``
    (``-1``: none) past what it has left grows its ``qty`` column.
    """
    new_qty = qty[seq]
    if action == _CANCEL:
        return book.cancel(target, None if new_qty == NULL else new_qty)
    new_price = price[seq]
    if new_price == NULL or new_qty == NULL:
        current = book.resting_order(target)
        assert current is not None  # checked by the caller: target in book
        new_price = current.price if new_price == NULL else new_price
        new_qty = current.qty + current.hidden_qty if new_qty == NULL else new_qty
    if owner >= 0:
        remaining = qty[owner] - filled[owner] - cancelled[owner]
        if new_qty > remaining:
            result = book.modify(target, new_price, new_qty)
            if result.accepted:
                qty[owner] += new_qty - remaining
            return result
    return book.modify(target, new_price, new_qty)
