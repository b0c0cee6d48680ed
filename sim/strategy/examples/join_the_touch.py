"""Join the touch: keep one order of ``size`` at the best bid and one at the best ask.

When the touch it sees moves, the strategy cancels its order there and joins the
new touch once the cancel is confirmed (never two orders on one side). A side
stops quoting while the position on it has reached ``max_position``. It sees
the book late (its feed link) and its orders reach the book late (its entry
links), so it joins the queue behind whatever got there first.
"""

from __future__ import annotations

from sim.strategy.api import (
    BookUpdate,
    ExecutionReport,
    ReportStatus,
    Strategy,
    StrategyContext,
)


class JoinTheTouch(Strategy):
    """Quotes ``size`` at the best bid and ask of ``symbol``, within ``max_position`` shares.

    Args:
        symbol: The symbol to quote.
        size: Shares per order.
        max_position: A side stops quoting once the position reaches this many shares its way.
        sides: ``"both"``, ``"buy"`` or ``"sell"``.
    """

    def __init__(self, symbol: str, size: int = 100, max_position: int = 1_000,
                 sides: str = "both") -> None:
        if size <= 0 or max_position <= 0:
            raise ValueError("size and max_position must be positive")
        if sides not in ("both", "buy", "sell"):
            raise ValueError(f"sides must be both, buy or sell, not {sides!r}")
        self.symbol = symbol
        self.size = size
        self.max_position = max_position
        self.sides = [side for side, name in ((1, "buy"), (-1, "sell")) if sides in ("both", name)]
        self.position = 0
        self.working: dict[int, tuple[int, int]] = {}
        """Side -> (order id, price) of the order working there."""
        self.cancelling: set[int] = set()
        """Sides whose order is being cancelled (no new order until it is gone)."""
        self.side_of: dict[int, int] = {}
        self.last_book: BookUpdate | None = None
        """The latest top of book it saw (it re-joins from it once a cancel is confirmed)."""

    def on_book_update(self, ctx: StrategyContext, book: BookUpdate) -> None:
        """Follow the touch on each side it quotes."""
        if book.symbol != self.symbol:
            return
        self.last_book = book
        for side in self.sides:
            self._quote(ctx, side, book.bid if side == 1 else book.ask)

    def _quote(self, ctx: StrategyContext, side: int, touch: int | None) -> None:
        if side in self.cancelling:
            return
        working = self.working.get(side)
        full = self.position * side >= self.max_position
        if working is not None:
            if full or working[1] != touch:
                ctx.cancel(working[0])
                self.cancelling.add(side)
            return
        if touch is not None and not full:
            order_id = ctx.submit(self.symbol, side, self.size, price=touch)
            self.working[side] = (order_id, touch)
            self.side_of[order_id] = side

    def on_execution_report(self, ctx: StrategyContext, report: ExecutionReport) -> None:
        """Track the position and which orders are still working."""
        side = self.side_of.get(report.order_id)
        if side is None:
            return
        if report.status is ReportStatus.FILLED:
            self.position += side * report.last_qty
        done = report.leaves_qty == 0 or report.status is ReportStatus.REJECTED
        if done and self.working.get(side, (0, 0))[0] == report.order_id:
            del self.working[side]
            self.cancelling.discard(side)
            book = self.last_book
            if book is not None:
                self._quote(ctx, side, book.bid if side == 1 else book.ask)
