"""The public entry points of the order book: validation and fast paths.

:class:`OrderBook` is the book callers use. ``submit`` is the general entry point
(every order type and flag); ``add``, ``market``, ``cancel``, ``execute`` and
``modify`` are the fast paths data replay uses. Each checks its input, then hands
the order to the matching mechanics (:mod:`sim.core.matching`), which walk the
opposite side best level first and each level in time priority; a resting book is
never crossed. Stop orders wait in a :class:`~sim.core.stops.StopBook` and enter,
in trigger order, once the operation that printed their trigger trade has
finished matching. The book's data and its read-only queries (best prices, depth,
queue position, lookups) are :class:`~sim.core.book_state.BookState`.

Results are read-only: to keep replay cheap, the fast paths hand out shared
:class:`BookResult` objects (:mod:`sim.core.results`) for the common outcomes
(rested, cancelled, rejected) when deltas are not recorded.
"""

from __future__ import annotations

from typing import Final

from sim.core.matching import GTC, IOC, SIDE_OF, MatchingCore, Operation
from sim.core.orders import (
    BookDelta,
    BookResult,
    OrderType,
    RestingOrder,
    Side,
    TimeInForce,
    Trade,
)
from sim.core.price_levels import COMPACT_MIN, compact, pop_dead
from sim.core.results import (
    CANCELLED,
    REJECTED,
    RESTED,
    accepted,
    cancelled_result,
    rested_result,
)
from sim.core.vocabulary import RejectReason

_UNKNOWN: Final = REJECTED[RejectReason.UNKNOWN_ORDER]
_DUPLICATE: Final = REJECTED[RejectReason.DUPLICATE_ORDER_ID]
_BAD_QTY: Final = REJECTED[RejectReason.INVALID_QTY]
_BAD_PRICE: Final = REJECTED[RejectReason.INVALID_PRICE]
_BAD_SIDE: Final = REJECTED[RejectReason.INVALID_SIDE]


class OrderBook(MatchingCore):
    """Price-time-priority order book with stops, icebergs and self-trade prevention.

    Args:
        symbol: Instrument name, for the caller's bookkeeping.
        record_deltas: Fill ``BookResult.deltas`` (costs a little per operation).
        self_trade_prevention: What to do when two orders of one account would trade.
    """

    # ----------------------------------------------------------------- fast paths

    def add(self, order_id: int, side: int, price: int, qty: int) -> BookResult:
        """Enter a GTC limit order: it matches if it crosses and the rest rests."""
        orders = self._orders
        if order_id in orders or order_id in self._held:
            return _DUPLICATE
        if qty <= 0 or price <= 0:
            return _BAD_QTY if qty <= 0 else _BAD_PRICE
        if side == 1:
            keys = self._ask_keys
            if keys and -keys[-1] <= price:
                return self._enter_new(order_id, side, price, qty, GTC, None, None)
            book_side = self._bids
        elif side == -1:
            keys = self._bid_keys
            if keys and keys[-1] >= price:
                return self._enter_new(order_id, side, price, qty, GTC, None, None)
            book_side = self._asks
        else:
            return _BAD_SIDE
        level = book_side.levels.get(price)
        if level is None:
            level = book_side.level_for(price)
        order = RestingOrder(order_id, side, price, qty, 0, None, None)
        orders[order_id] = order
        level.append(order)
        level.size += qty
        if self.record_deltas:
            delta = BookDelta(SIDE_OF[side], price, level.size)
            return BookResult(True, None, [], 0, qty, 0, [delta], [], [])
        result = RESTED.get(qty)
        return rested_result(qty) if result is None else result

    def market(self, order_id: int, side: int, qty: int) -> BookResult:
        """Enter a market order: it takes what the opposite side has and never rests."""
        if order_id in self._orders or order_id in self._held:
            return _DUPLICATE
        if qty <= 0:
            return _BAD_QTY
        if side != 1 and side != -1:
            return _BAD_SIDE
        return self._enter_new(order_id, side, None, qty, IOC, None, None)

    def cancel(self, order_id: int, qty: int | None = None) -> BookResult:
        """Cancel an order, or part of it (a ``qty`` below its remaining size keeps priority)."""
        order = self._orders.get(order_id)
        if order is None:
            return self._cancel_stop(order_id, qty)
        total = order.qty + order.hidden_qty
        if qty is not None:
            if qty <= 0:
                return _BAD_QTY
            if qty < total:
                self._reduce(order, qty)
                return self._done(total - qty, qty, order.side, order.price)
        book_side = self._bids if order.side == 1 else self._asks  # _unlink, inlined
        level = book_side.levels[order.price]
        level.size -= order.qty  # remove_order, inlined: O(1) wherever the order sits
        order.qty = 0
        if level[0] is order:
            level.popleft()
            if level.dead:
                pop_dead(level)
            if not level:
                book_side.drop(order.price)
        else:  # mark_dead, inlined
            dead = level.dead + 1
            if dead > COMPACT_MIN and dead * 2 > len(level):
                compact(level)
            else:
                level.dead = dead
        del self._orders[order_id]
        if self.record_deltas:
            return self._done(0, total, order.side, order.price)
        result = CANCELLED.get(total)
        return cancelled_result(total) if result is None else result

    def execute(self, order_id: int, qty: int) -> BookResult:
        """Execute a resting order against an aggressor the data does not show.

        Fills ``min(qty, remaining)`` (visible first, then iceberg refreshes) at the
        order's price and reports one ``Trade`` with ``taker_id`` 0.
        """
        order = self._orders.get(order_id)
        if order is None:
            return self._not_resting(order_id)
        if qty <= 0:
            return _BAD_QTY
        side = order.side
        price = order.price
        level = (self._bid_levels if side == 1 else self._ask_levels)[price]
        filled = self._fill_named(order, level, qty)
        if not level:
            (self._bids if side == 1 else self._asks).drop(price)
        trades = [Trade(price, filled, order_id, 0, SIDE_OF[-side], order.account, None)]
        if not self._held and not self.record_deltas:
            # _fill_named may have replaced the order (an iceberg refreshed mid-queue)
            live = self._orders.get(order_id)
            resting = 0 if live is None else live.qty + live.hidden_qty
            return BookResult(True, None, trades, filled, resting, 0, [], [], [])
        op = Operation()
        op.trades = trades
        op.touched.append((side, price))
        return self._finish(op, order_id, filled, 0)

    def modify(self, order_id: int, new_price: int, new_qty: int) -> BookResult:
        """Change a resting order's price and/or total size.

        A size decrease at the same price keeps priority (the removed quantity is
        reported as ``cancelled_qty``). A price change or a size increase sends the
        order to the back of the queue at its new price, where it matches first if
        it now crosses. Post-only is not re-checked.
        """
        order = self._orders.get(order_id)
        if order is None:
            return self._not_resting(order_id)
        if new_qty <= 0:
            return _BAD_QTY
        if new_price <= 0:
            return _BAD_PRICE
        total = order.qty + order.hidden_qty
        removed = total - new_qty if new_qty < total else 0
        if new_price == order.price and new_qty <= total:
            if removed:
                self._reduce(order, removed)
            return self._done(new_qty, removed, order.side, new_price)
        self._unlink(order)
        op = Operation()
        op.touched.append((order.side, order.price))
        filled, resting, cancelled = self._trade_or_rest(
            op, order_id, order.side, new_price, new_qty, GTC, order.display_qty, order.account
        )
        return self._finish(op, order_id, filled, cancelled + removed, resting)

    # ------------------------------------------------------------- general entry

    def submit(
        self,
        order_id: int,
        side: Side,
        price: int | None,
        qty: int,
        *,
        order_type: OrderType = OrderType.LIMIT,
        tif: TimeInForce = TimeInForce.GTC,
        post_only: bool = False,
        display_qty: int | None = None,
        stop_price: int | None = None,
        account: str | None = None,
    ) -> BookResult:
        """Enter an order of any type; ``price`` is ignored for market and stop orders.

        Stops (``order_type`` STOP or STOP_LIMIT) are held off the book and reported
        with ``resting_qty`` equal to their quantity until they trigger.
        """
        reason = self._validate(
            order_id, side, price, qty, order_type, tif, post_only, display_qty, stop_price
        )
        if reason is not None:
            return REJECTED[reason]
        limit = (
            price if order_type is OrderType.LIMIT or order_type is OrderType.STOP_LIMIT else None
        )
        if stop_price is not None:
            self._stops.hold(order_id, side, stop_price, limit, qty, tif, display_qty, account)
            return accepted(qty, 0)
        if post_only and limit is not None and self._crosses(side, limit):
            return REJECTED[RejectReason.POST_ONLY_WOULD_CROSS]
        if order_type is OrderType.MARKET and tif is GTC:
            tif = IOC
        return self._enter_new(order_id, side, limit, qty, tif, display_qty, account)

    # ------------------------------------------------------------------ internals

    def _validate(
        self,
        order_id: int,
        side: int,
        price: int | None,
        qty: int,
        order_type: OrderType,
        tif: TimeInForce,
        post_only: bool,
        display_qty: int | None,
        stop_price: int | None,
    ) -> RejectReason | None:
        if order_id in self._orders or order_id in self._held:
            return RejectReason.DUPLICATE_ORDER_ID
        if side != 1 and side != -1:
            return RejectReason.INVALID_SIDE
        if qty <= 0:
            return RejectReason.INVALID_QTY
        is_stop = order_type is OrderType.STOP or order_type is OrderType.STOP_LIMIT
        has_limit = order_type is OrderType.LIMIT or order_type is OrderType.STOP_LIMIT
        if has_limit and (price is None or price <= 0):
            return RejectReason.INVALID_PRICE
        if is_stop != (stop_price is not None) or (stop_price is not None and stop_price <= 0):
            return RejectReason.INVALID_STOP_PRICE
        rests = has_limit and tif is GTC
        if display_qty is not None and (not rests or not 0 < display_qty <= qty):
            return RejectReason.INVALID_DISPLAY_QTY
        if post_only and (not rests or is_stop):
            return RejectReason.INVALID_POST_ONLY
        return None

    def _cancel_stop(self, order_id: int, qty: int | None) -> BookResult:
        stop = self._held.get(order_id)
        if stop is None:
            return _UNKNOWN
        if qty is not None and qty <= 0:
            return _BAD_QTY
        if qty is None or qty >= stop.qty:
            self._stops.remove(order_id)
            return accepted(0, stop.qty)
        stop.qty -= qty
        return accepted(stop.qty, qty)

    def _not_resting(self, order_id: int) -> BookResult:
        if order_id in self._held:
            return REJECTED[RejectReason.ORDER_NOT_RESTING]
        return _UNKNOWN

    def _done(self, resting: int, cancelled: int, side: int, price: int) -> BookResult:
        """Result of an operation that traded nothing and touched one level."""
        if not self.record_deltas:
            return accepted(resting, cancelled)
        level = (self._bid_levels if side == 1 else self._ask_levels).get(price)
        delta = BookDelta(SIDE_OF[side], price, 0 if level is None else level.size)
        return BookResult(True, None, [], 0, resting, cancelled, [delta], [], [])
