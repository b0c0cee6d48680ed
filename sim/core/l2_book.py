"""An order book for L2 (price-level) history: historical depth beside model orders.

An L2 feed gives each level's total, never its orders, so the history is kept as it is
given: :class:`HistoricalSide` holds the quantity each ``level`` row sets, per price.
Model orders (a strategy's, injected ones) rest in the ordinary price-time book that
:class:`L2Book` extends, each with a :class:`~sim.core.queue_models.QueuePosition` in
its level's historical quantity. No orders are made up for the history, so nothing
fills that did not trade:

- A ``trade`` row (``side`` the resting side) fills model orders only: those priced
  better than the trade were passed by its aggressor (filled first, best price first, in
  time order, up to the trade's quantity); those at its price advance by the trade
  (their queue model) and fill ``floor(-ahead)``, capped by what the trade has left.
- A ``level`` row sets the historical quantity; the queue model of each model order at
  that price reads the change (:mod:`sim.core.queue_models`). A level that moves
  through a model order does not fill it (no trade printed); the view may then cross.
- A model order that crosses takes the best of historical depth and opposite model
  orders, price by price (history first at one price), as a taker. What it takes from a
  historical level is gone from that level until the next ``level`` row for the price
  sets it again (history stays authoritative).
- The top of the book a strategy sees (``best_bid``, ``best_ask``, ``level_size``) is
  historical depth plus model orders; ``depth``, ``level_orders`` and ``queue_position``
  stay the model orders' own (the engine walks them at the end of a run).
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable

from sim.core.book import OrderBook
from sim.core.matching import GTC, SIDE_OF, Operation
from sim.core.orders import BookResult, OrderType, Side, TimeInForce, Trade
from sim.core.queue_models import RISK_AVERSE, QueueModel, QueuePosition, fillable
from sim.core.results import REJECTED
from sim.core.vocabulary import LabelledEnum


class L2Action(LabelledEnum):
    """What a row of an L2 file does (the ``action`` column of ``ticktwin.book = "l2"``)."""

    LEVEL = 0
    """``qty`` is the new historical total at ``price`` on ``side``."""
    TRADE = 1
    """A print at ``price`` for ``qty``; ``side`` is the resting side."""


class HistoricalSide:
    """Historical quantity per price on one side (``sign`` 1 bids, -1 asks); best key last."""

    __slots__ = ("keys", "qty", "sign")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.qty: dict[int, int] = {}
        self.keys: list[int] = []

    def best(self) -> int | None:
        """Best historical price, or None when the side shows nothing."""
        keys = self.keys
        return keys[-1] * self.sign if keys else None

    def set(self, price: int, qty: int) -> int:
        """Set the quantity at ``price`` (0 removes the level); return the previous one."""
        previous = self.qty.get(price, 0)
        if qty:
            if not previous:
                insort(self.keys, self.sign * price)
            self.qty[price] = qty
        elif previous:
            del self.qty[price]
            key = self.sign * price
            keys = self.keys
            if keys[-1] == key:
                keys.pop()
            else:
                del keys[bisect_left(keys, key)]
        return previous


def _within(price: int, side: int, limit: int | None) -> bool:
    """Whether an order on ``side`` limited at ``limit`` (None: market) may trade at ``price``."""
    return limit is None or (price <= limit if side == 1 else price >= limit)


class L2Book(OrderBook):
    """A price-time book of model orders over historical L2 depth.

    Args:
        symbol: Instrument name.
        queue_model_of: The queue model of a model order, by book id (default: risk-averse).
    """

    def __init__(self, symbol: str = "",
                 queue_model_of: Callable[[int], QueueModel] | None = None) -> None:
        super().__init__(symbol)
        self.history = {1: HistoricalSide(1), -1: HistoricalSide(-1)}
        """Historical quantity per price, by side."""
        self.positions: dict[int, QueuePosition] = {}
        """Estimated place of each resting model order in its level's history."""
        self._models: dict[int, QueueModel] = {}
        self.queue_model_of = queue_model_of or (lambda _order_id: RISK_AVERSE)

    # ------------------------------------------------------------ history

    def history_qty(self, side: int, price: int) -> int:
        """Historical quantity at ``price`` on ``side`` (0: no level)."""
        return self.history[side].qty.get(price, 0)

    def set_level(self, side: int, price: int, qty: int) -> None:
        """A ``level`` row: the historical quantity at (side, price) is now ``qty``."""
        previous = self.history[side].set(price, qty)
        if previous != qty and price in (self._bid_levels if side == 1 else self._ask_levels):
            for order in self.level_orders(Side(side), price):
                position = self.positions.get(order.order_id)
                if position is not None:
                    self._models[order.order_id].on_level_change(position, previous, qty)

    def trade(self, side: int, price: int, qty: int) -> list[BookResult]:
        """A ``trade`` row (``side`` the resting side): the model orders it fills, in order."""
        results: list[BookResult] = []
        book_side = self._bids if side == 1 else self._asks
        if not book_side.keys:
            return results
        left = qty
        sign = book_side.sign
        for key in reversed(list(book_side.keys)):
            level_price = sign * key
            better = level_price > price if side == 1 else level_price < price
            if not better or left <= 0:
                break
            for order in self.level_orders(Side(side), level_price):
                if left <= 0:
                    break
                left -= self._fill(order.order_id, min(left, order.qty + order.hidden_qty),
                                   results)
        if price in book_side.levels:
            for order in self.level_orders(Side(side), price):
                position = self.positions.get(order.order_id)
                if position is None:
                    continue
                self._models[order.order_id].on_trade(position, qty)
                fill = min(fillable(position), order.qty + order.hidden_qty, left)
                if fill > 0:
                    left -= self._fill(order.order_id, fill, results)
        return results

    def _fill(self, order_id: int, qty: int, results: list[BookResult]) -> int:
        result = self.execute(order_id, qty)
        results.append(result)
        if order_id not in self._orders:
            self._forget(order_id)
        return result.filled_qty

    # ------------------------------------------------------------ the view

    def best_bid(self) -> int | None:
        """Highest bid, historical or model."""
        model, history = super().best_bid(), self.history[1].best()
        if model is None or history is None:
            return history if model is None else model
        return max(model, history)

    def best_ask(self) -> int | None:
        """Lowest ask, historical or model."""
        model, history = super().best_ask(), self.history[-1].best()
        if model is None or history is None:
            return history if model is None else model
        return min(model, history)

    def level_size(self, side: Side, price: int) -> int:
        """Historical plus model quantity at ``price`` on ``side``."""
        return super().level_size(side, price) + self.history[side].qty.get(price, 0)

    # ------------------------------------------------------------ model orders

    def add(self, order_id: int, side: int, price: int, qty: int) -> BookResult:
        """A GTC limit order: takes crossing history and model orders, rests the rest."""
        if (side == 1 or side == -1) and price > 0 and self._history_crosses(side, price):
            reason = self._validate(order_id, side, price, qty, OrderType.LIMIT, GTC, False,
                                    None, None)
            if reason is not None:
                return REJECTED[reason]
            result = self._enter_new(order_id, side, price, qty, GTC, None, None)
        else:
            result = super().add(order_id, side, price, qty)
        self._track(order_id)
        return result

    def submit(self, order_id: int, side: Side, price: int | None, qty: int, *,
               order_type: OrderType = OrderType.LIMIT, tif: TimeInForce = TimeInForce.GTC,
               post_only: bool = False, display_qty: int | None = None,
               stop_price: int | None = None, account: str | None = None) -> BookResult:
        """Any order (see :meth:`OrderBook.submit`); crossing history counts as crossing."""
        result = super().submit(order_id, side, price, qty, order_type=order_type, tif=tif,
                                post_only=post_only, display_qty=display_qty,
                                stop_price=stop_price, account=account)
        self._track(order_id)
        return result

    def cancel(self, order_id: int, qty: int | None = None) -> BookResult:
        """Cancel (part of) a model order; a partial cancel keeps its place."""
        result = super().cancel(order_id, qty)
        if order_id not in self._orders:
            self._forget(order_id)
        return result

    def modify(self, order_id: int, new_price: int, new_qty: int) -> BookResult:
        """Modify a model order; a new price or a larger size queues it behind the level again."""
        before = self._orders.get(order_id)
        price, total = (0, 0) if before is None else (before.price, before.qty + before.hidden_qty)
        result = super().modify(order_id, new_price, new_qty)
        if order_id not in self._orders:
            self._forget(order_id)
        elif result.accepted and (new_price != price or new_qty > total):
            self._forget(order_id)
            self._track(order_id)
        return result

    def _track(self, order_id: int) -> None:
        """Give a model order that now rests its place: behind the level's history."""
        order = self._orders.get(order_id)
        if order is not None and order_id not in self.positions:
            self.positions[order_id] = QueuePosition(self.history_qty(order.side, order.price))
            self._models[order_id] = self.queue_model_of(order_id)

    def _forget(self, order_id: int) -> None:
        self.positions.pop(order_id, None)
        self._models.pop(order_id, None)

    # ------------------------------------------------------------ matching

    def _history_crosses(self, side: int, price: int) -> bool:
        best = self.history[-side].best()
        return best is not None and _within(best, side, price)

    def _crosses(self, side: int, price: int) -> bool:
        return super()._crosses(side, price) or self._history_crosses(side, price)

    def _fillable(self, side: int, limit: int | None, qty: int, account: str | None) -> int:
        history = self.history[-side]
        shown = sum(size for level, size in history.qty.items() if _within(level, side, limit))
        return super()._fillable(side, limit, qty, account) + shown

    def _match(self, op: Operation, taker_id: int, side: int, limit: int | None, qty: int,
               account: str | None) -> tuple[int, bool]:
        """Take history and model orders price by price (history first at one price)."""
        history = self.history[-side]
        model_side = self._asks if side == 1 else self._bids
        stopped = False
        while qty and not stopped:
            shown = history.best()
            model = model_side.best()
            shown_ok = shown is not None and _within(shown, side, limit)
            model_ok = model is not None and _within(model, side, limit)
            if shown_ok and shown is not None and (
                    model is None or not model_ok or _within(shown, side, model)):
                take = min(qty, history.qty[shown])
                op.trades.append(Trade(shown, take, 0, taker_id, SIDE_OF[side], None, account))
                op.touched.append((-side, shown))
                self.set_level(-side, shown, history.qty[shown] - take)
                qty -= take
            elif model_ok and model is not None:
                qty, stopped = super()._match(op, taker_id, side, model, qty, account)
            else:
                break
        return qty, stopped
