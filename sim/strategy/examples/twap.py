"""TWAP: execute a parent order in equal child orders on a timer.

The parent (``qty`` shares of ``symbol`` on ``side``) is cut into ``slices``
children sent at equal intervals from ``start_ns`` to ``end_ns`` after the
run's first event: child ``i`` leaves at ``start_ns + (end_ns - start_ns) * i //
slices``. Each child is a marketable IOC limit at the far touch the strategy
last saw (the ask for a buy, the bid for a sell), moved ``limit_offset_ticks``
ticks further through the book, or a market order while that side is unknown.
Children that come back short are made up in the last slice, which sends
whatever is neither filled nor still working; a shortfall left after it stays
unfilled (``filled < qty`` at the end), as a real TWAP's residual would.

Times are integer nanoseconds (TOML integers: ``end_ns = 600_000_000_000`` is
10 minutes); the strategy reads no duration strings.
"""

from __future__ import annotations

from sim.strategy.api import (
    BookUpdate,
    ExecutionReport,
    ReportStatus,
    Strategy,
    StrategyContext,
)

SIDES = {"buy": 1, "sell": -1}


def whole(name: str, value: object, minimum: int) -> int:
    """``value`` as an int of at least ``minimum``, or a ValueError naming the parameter."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer (times in ns), not {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


class Twap(Strategy):
    """Buys or sells ``qty`` of ``symbol`` in ``slices`` IOC children between two times.

    Args:
        symbol: The symbol to trade.
        side: ``"buy"`` or ``"sell"``.
        qty: Parent quantity in shares.
        start_ns: First child, in ns after the run's first event.
        end_ns: End of the schedule, in ns after the run's first event (the last child
            leaves one interval before it).
        slices: Number of children (1 to ``qty``); their sizes differ by at most one share.
        limit_offset_ticks: Ticks beyond the far touch a child's limit may trade through.
        tick: Price units per tick (100 is one cent at ``price_scale = 10000``).
    """

    def __init__(self, symbol: str, side: str, qty: int, start_ns: int, end_ns: int,
                 slices: int, limit_offset_ticks: int = 0, tick: int = 100) -> None:
        if side not in SIDES:
            raise ValueError(f"side must be buy or sell, not {side!r}")
        self.qty = whole("qty", qty, 1)
        self.start_ns = whole("start_ns", start_ns, 0)
        self.end_ns = whole("end_ns", end_ns, self.start_ns)
        self.slices = whole("slices", slices, 1)
        if self.slices > self.qty:
            raise ValueError(f"slices ({slices}) must not exceed qty ({qty})")
        self.limit_offset_ticks = whole("limit_offset_ticks", limit_offset_ticks, 0)
        self.tick = whole("tick", tick, 1)
        self.symbol = symbol
        self.side = SIDES[side]
        self.origin_ns = 0
        """The run's first event time (``on_start``); the schedule counts from it."""
        self.filled = 0
        self.working: dict[int, int] = {}
        """Order id -> quantity of each child still working at the venue."""
        self.children: list[tuple[int, int, int, int | None]] = []
        """(sent at ns, order id, qty, limit price or None for market) of every child sent."""
        self.far_touch: int | None = None
        """The far side's best price it last saw (None: that side is empty or unseen)."""

    def slice_time(self, index: int) -> int:
        """Simulated time child ``index`` is sent at."""
        span = self.end_ns - self.start_ns
        return self.origin_ns + self.start_ns + span * index // self.slices

    def slice_qty(self, index: int) -> int:
        """Planned size of child ``index`` (equal sizes, the remainder spread one share each)."""
        return self.qty * (index + 1) // self.slices - self.qty * index // self.slices

    def on_start(self, ctx: StrategyContext) -> None:
        """Fix the schedule's origin and arm the first slice."""
        self.origin_ns = ctx.now_ns
        ctx.set_timer(self.slice_time(0), 0)

    def on_book_update(self, ctx: StrategyContext, book: BookUpdate) -> None:
        """Remember the far touch (where a child would take liquidity)."""
        if book.symbol == self.symbol:
            self.far_touch = book.ask if self.side == 1 else book.bid

    def on_timer(self, ctx: StrategyContext, timer_id: int) -> None:
        """Send child ``timer_id`` and arm the next one."""
        open_qty = self.qty - self.filled - sum(self.working.values())
        last = timer_id == self.slices - 1
        qty = open_qty if last else min(self.slice_qty(timer_id), open_qty)
        if qty > 0:
            price = None
            if self.far_touch is not None:
                price = self.far_touch + self.side * self.limit_offset_ticks * self.tick
            order_id = ctx.submit(self.symbol, self.side, qty, price=price, tif="ioc")
            self.working[order_id] = qty
            self.children.append((ctx.now_ns, order_id, qty, price))
        if not last:
            ctx.set_timer(self.slice_time(timer_id + 1), timer_id + 1)

    def on_execution_report(self, ctx: StrategyContext, report: ExecutionReport) -> None:
        """Count fills; a child is done once nothing of it is left working."""
        if report.order_id not in self.working:
            return
        if report.status is ReportStatus.FILLED:
            self.filled += report.last_qty
        if report.leaves_qty == 0 or report.status is ReportStatus.REJECTED:
            del self.working[report.order_id]
        else:
            self.working[report.order_id] = report.leaves_qty
