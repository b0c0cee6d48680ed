"""Matching mechanics of the order book: the match loop, resting, self-trade prevention, stops.

:class:`MatchingCore` adds to the book's state (:class:`~sim.core.book_state.BookState`)
the operations every entry point shares: match a taker against the opposite side
in price-time priority, rest or cancel what is left, apply self-trade prevention,
check FOK fillability, fill or reduce a named resting order, enter triggered stops,
and build the :class:`BookResult` of an operation. It validates nothing: the public
entry points with their checks and fast paths are :class:`~sim.core.book.OrderBook`.
"""

from __future__ import annotations

from typing import Final

from sim.core.book_state import BookState
from sim.core.orders import (
    BookDelta,
    BookResult,
    RestingOrder,
    SelfTradePrevention,
    Side,
    StopOrder,
    TimeInForce,
    Trade,
)
from sim.core.price_levels import (
    PriceLevel,
    level_fillable,
    mark_dead,
    pop_dead,
    remove_order,
)
from sim.core.results import REJECTED
from sim.core.vocabulary import RejectReason

SIDE_OF: Final[dict[int, Side]] = {1: Side.BUY, -1: Side.SELL}
GTC: Final = TimeInForce.GTC
IOC: Final = TimeInForce.IOC
FOK: Final = TimeInForce.FOK


class Operation:
    """Side effects gathered while one book operation runs."""

    __slots__ = ("cancelled_orders", "touched", "trades", "triggered")

    def __init__(self) -> None:
        self.trades: list[Trade] = []
        self.cancelled_orders: list[tuple[int, int]] = []
        self.touched: list[tuple[int, int]] = []  # (side, price) of every level touched
        self.triggered: list[int] = []


class MatchingCore(BookState):
    """Matching mechanics shared by every entry point of the book."""

    def _enter_new(
        self,
        order_id: int,
        side: int,
        price: int | None,
        qty: int,
        tif: TimeInForce,
        display_qty: int | None,
        account: str | None,
    ) -> BookResult:
        """Enter an admitted new order: check FOK, match, rest or cancel the rest."""
        if tif is FOK and self._fillable(side, price, qty, account) < qty:
            return REJECTED[RejectReason.FOK_NOT_FILLABLE]
        op = Operation()
        filled, resting, cancelled = self._trade_or_rest(
            op, order_id, side, price, qty, tif, display_qty, account
        )
        return self._finish(op, order_id, filled, cancelled, resting)

    def _trade_or_rest(
        self,
        op: Operation,
        order_id: int,
        side: int,
        price: int | None,
        qty: int,
        tif: TimeInForce,
        display_qty: int | None,
        account: str | None,
    ) -> tuple[int, int, int]:
        """Match an admitted order, then rest or cancel the rest: (filled, resting, cancelled)."""
        left, stopped = self._match(op, order_id, side, price, qty, account)
        if not left:
            return qty, 0, 0
        if stopped or price is None or tif is not GTC:
            return qty - left, 0, left
        shown = left if display_qty is None or display_qty > left else display_qty
        order = RestingOrder(order_id, side, price, shown, left - shown, account, display_qty)
        self._orders[order_id] = order
        level = (self._bids if side == 1 else self._asks).level_for(price)
        level.append(order)
        level.size += shown
        op.touched.append((side, price))
        return qty - left, left, 0

    def _match(
        self,
        op: Operation,
        taker_id: int,
        side: int,
        limit: int | None,
        qty: int,
        account: str | None,
    ) -> tuple[int, bool]:
        """Take liquidity up to ``limit``; return (quantity left, stopped by self-trade)."""
        book_side = self._asks if side == 1 else self._bids
        keys = book_side.keys
        levels = book_side.levels
        sign = book_side.sign
        aggressor = SIDE_OF[side]
        stopped = False
        while qty and keys and not stopped:
            price = sign * keys[-1]
            if limit is not None and (price > limit if side == 1 else price < limit):
                break
            level = levels[price]
            qty, stopped = self._match_level(op, level, price, taker_id, aggressor, qty, account)
            op.touched.append((-side, price))
            if not level:
                del levels[price]
                keys.pop()
        return qty, stopped

    def _match_level(
        self,
        op: Operation,
        level: PriceLevel,
        price: int,
        taker_id: int,
        aggressor: Side,
        qty: int,
        account: str | None,
    ) -> tuple[int, bool]:
        orders = self._orders
        trades = op.trades
        guard = account if self.self_trade_prevention is not SelfTradePrevention.NONE else None
        while qty and level:
            maker = level[0]
            if guard is not None and maker.account == guard:
                if self._prevent_self_trade(op, level, maker):
                    return qty, True
                continue
            visible = maker.qty
            fill = qty if qty < visible else visible
            trades.append(
                Trade(price, fill, maker.order_id, taker_id, aggressor, maker.account, account)
            )
            qty -= fill
            level.size -= fill
            if fill < visible:
                maker.qty = visible - fill
                continue
            level.popleft()
            if level.dead:
                pop_dead(level)
            hidden = maker.hidden_qty
            if hidden:
                shown = (
                    hidden
                    if maker.display_qty is None or maker.display_qty > hidden
                    else maker.display_qty
                )
                maker.qty = shown
                maker.hidden_qty = hidden - shown
                level.append(maker)
                level.size += shown
            else:
                maker.qty = 0
                del orders[maker.order_id]
        return qty, False

    def _prevent_self_trade(self, op: Operation, level: PriceLevel, maker: RestingOrder) -> bool:
        """Apply self-trade prevention to the front maker; True when the taker must stop."""
        mode = self.self_trade_prevention
        if mode is not SelfTradePrevention.CANCEL_NEWEST:
            level.popleft()
            if level.dead:
                pop_dead(level)
            level.size -= maker.qty
            del self._orders[maker.order_id]
            op.cancelled_orders.append((maker.order_id, maker.qty + maker.hidden_qty))
            maker.qty = maker.hidden_qty = 0
        return mode is not SelfTradePrevention.CANCEL_OLDEST

    def _fillable(self, side: int, limit: int | None, qty: int, account: str | None) -> int:
        """Quantity an order could fill right now (for FOK), stopping once it reaches ``qty``."""
        book_side = self._asks if side == 1 else self._bids
        sign = book_side.sign
        mode = self.self_trade_prevention
        guard = account if mode is not SelfTradePrevention.NONE else None
        total = 0
        for key in reversed(book_side.keys):
            price = sign * key
            if limit is not None and (price > limit if side == 1 else price < limit):
                break
            fillable, blocked = level_fillable(book_side.levels[price], guard, mode)
            total += fillable
            if blocked or total >= qty:
                break
        return total

    def _fill_named(self, order: RestingOrder, level: PriceLevel, qty: int) -> int:
        """Execute ``order`` for up to ``qty`` (visible, then refreshed slices); return the fill.

        A refreshed iceberg slice goes to the back of the level; when the order was
        not at the front, its old entry is left dead in the queue and a new
        ``RestingOrder`` (same id) takes its place in the book.
        """
        total = order.qty + order.hidden_qty
        filled = qty if qty < total else total
        left = filled
        while left:
            visible = order.qty
            if left < visible:
                order.qty = visible - left
                level.size -= left
                break
            left -= visible
            level.size -= visible
            hidden = order.hidden_qty
            if level[0] is order:
                level.popleft()
                if level.dead:
                    pop_dead(level)
            elif hidden:
                order.qty = 0
                mark_dead(level)
                order = RestingOrder(
                    order.order_id, order.side, order.price, 0, 0, order.account, order.display_qty
                )
                self._orders[order.order_id] = order
            else:
                order.qty = 0
                mark_dead(level)
            if not hidden:
                order.qty = 0
                del self._orders[order.order_id]
                break
            display = order.display_qty or hidden
            shown = hidden if display > hidden else display
            order.qty = shown
            order.hidden_qty = hidden - shown
            level.append(order)
            level.size += shown
        return filled

    def _reduce(self, order: RestingOrder, qty: int) -> None:
        """Remove ``qty`` (less than the total) from an order, hidden first, keeping priority."""
        hidden = order.hidden_qty
        if qty <= hidden:
            order.hidden_qty = hidden - qty
            return
        order.hidden_qty = 0
        qty -= hidden
        order.qty -= qty
        (self._bid_levels if order.side == 1 else self._ask_levels)[order.price].size -= qty

    def _unlink(self, order: RestingOrder) -> None:
        """Take a resting order off the book entirely."""
        book_side = self._bids if order.side == 1 else self._asks
        level = book_side.levels[order.price]
        remove_order(level, order)
        if not level:
            book_side.drop(order.price)
        del self._orders[order.order_id]

    def _finish(
        self, op: Operation, order_id: int, filled: int, cancelled: int, resting: int = -1
    ) -> BookResult:
        """Run triggered stops, then build the result (``resting`` -1: look it up)."""
        if op.trades and self._held:
            self._run_stops(op)
        if op.triggered:  # a triggered stop may have traded against this order too
            filled = sum(t.qty for t in op.trades if order_id in (t.taker_id, t.maker_id))
        if resting < 0 or op.triggered:
            order = self._orders.get(order_id)
            resting = 0 if order is None else order.qty + order.hidden_qty
        deltas = self._deltas(op.touched) if self.record_deltas else []
        return BookResult(
            True,
            None,
            op.trades,
            filled,
            resting,
            cancelled,
            deltas,
            op.triggered,
            op.cancelled_orders,
        )

    def _run_stops(self, op: Operation) -> None:
        """Trigger stops from the operation's trades and enter them, cascading, in order."""
        trades = op.trades
        seen = 0
        pending: list[StopOrder] = []
        while True:
            while seen < len(trades) and self._held:
                pending.extend(self._stops.trigger(trades[seen].price))
                seen += 1
            seen = len(trades)
            if not pending:
                return
            stop = pending.pop(0)
            op.triggered.append(stop.order_id)
            if (
                stop.tif is FOK
                and self._fillable(stop.side, stop.price, stop.qty, stop.account) < stop.qty
            ):
                op.cancelled_orders.append((stop.order_id, stop.qty))
                continue
            tif = IOC if stop.price is None and stop.tif is GTC else stop.tif
            _, _, cancelled = self._trade_or_rest(
                op,
                stop.order_id,
                stop.side,
                stop.price,
                stop.qty,
                tif,
                stop.display_qty,
                stop.account,
            )
            if cancelled:
                op.cancelled_orders.append((stop.order_id, cancelled))

    def _deltas(self, touched: list[tuple[int, int]]) -> list[BookDelta]:
        deltas = []
        for side, price in dict.fromkeys(touched):
            level = (self._bid_levels if side == 1 else self._ask_levels).get(price)
            deltas.append(BookDelta(SIDE_OF[side], price, 0 if level is None else level.size))
        return deltas
