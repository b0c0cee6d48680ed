"""Imbalance taker: trade in the direction of a lopsided top of book.

The top-of-book imbalance is ``(bid_qty - ask_qty) / (bid_qty + ask_qty)``, from
-1 (only sellers at the touch) to 1 (only buyers). When the book the strategy
sees has an imbalance above ``threshold`` it buys ``size`` with an IOC at the ask;
below ``-threshold`` it sells with an IOC at the bid. It fires at most once per
``cooldown_ns`` (its own clock, so a burst of updates is one trade) and never lets
its position plus its working orders pass ``max_position`` shares either way: an
order that would is cut to the room left, or not sent.

The comparison is exact: ``threshold`` (a TOML float such as ``0.6``) is read as
the decimal it is written as, and the imbalance compared in integers, so a run
never depends on float rounding.
"""

from __future__ import annotations

from fractions import Fraction

from sim.strategy.api import (
    BookUpdate,
    ExecutionReport,
    ReportStatus,
    Strategy,
    StrategyContext,
)
from sim.strategy.examples.twap import whole


class ImbalanceTaker(Strategy):
    """Takes ``size`` on the heavy side's behalf when the touch is lopsided past ``threshold``.

    Args:
        symbol: The symbol to trade.
        threshold: Imbalance (0 <= threshold < 1) the book must exceed to trigger a trade.
        size: Shares per order.
        max_position: Most shares long or short, counting orders still working.
        cooldown_ns: Least time between two orders, in ns (a TOML integer).
    """

    def __init__(self, symbol: str, threshold: float, size: int, max_position: int,
                 cooldown_ns: int) -> None:
        if isinstance(threshold, bool) or not isinstance(threshold, int | float | str):
            raise ValueError(f"threshold must be a number, not {threshold!r}")
        ratio = Fraction(str(threshold))
        if not 0 <= ratio < 1:
            raise ValueError(f"threshold must be at least 0 and below 1, not {threshold}")
        self.symbol = symbol
        self.threshold = ratio
        self.size = whole("size", size, 1)
        self.max_position = whole("max_position", max_position, 1)
        self.cooldown_ns = whole("cooldown_ns", cooldown_ns, 0)
        self.position = 0
        self.working: dict[int, int] = {}
        """Order id -> signed quantity still working (positive: buying)."""
        self.last_order_ns: int | None = None
        self.orders: list[tuple[int, int, int, int]] = []
        """(sent at ns, side, qty, limit price) of every order sent."""

    def signal(self, book: BookUpdate) -> int:
        """1 to buy, -1 to sell, 0 to do nothing, for the top of book ``book``."""
        total = book.bid_qty + book.ask_qty
        if book.bid is None or book.ask is None or total == 0:
            return 0
        lopsided = (book.bid_qty - book.ask_qty) * self.threshold.denominator
        if lopsided > self.threshold.numerator * total:
            return 1
        if -lopsided > self.threshold.numerator * total:
            return -1
        return 0

    def on_book_update(self, ctx: StrategyContext, book: BookUpdate) -> None:
        """Trade when the book is lopsided, the cooldown is over and there is room."""
        if book.symbol != self.symbol:
            return
        side = self.signal(book)
        now = ctx.now_ns
        if side == 0 or (self.last_order_ns is not None
                         and now - self.last_order_ns < self.cooldown_ns):
            return
        exposure = self.position + sum(self.working.values())
        qty = min(self.size, self.max_position - side * exposure)
        price = book.ask if side == 1 else book.bid
        if qty <= 0 or price is None:
            return
        order_id = ctx.submit(self.symbol, side, qty, price=price, tif="ioc")
        self.working[order_id] = side * qty
        self.last_order_ns = now
        self.orders.append((now, side, qty, price))

    def on_execution_report(self, ctx: StrategyContext, report: ExecutionReport) -> None:
        """Track the position and what is still working."""
        if report.order_id not in self.working:
            return
        if report.status is ReportStatus.FILLED:
            self.position += report.side * report.last_qty
        if report.leaves_qty == 0 or report.status is ReportStatus.REJECTED:
            del self.working[report.order_id]
        else:
            self.working[report.order_id] = report.side * report.leaves_qty
