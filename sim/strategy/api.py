"""The strategy API: what a strategy is told, and what it may do.

A strategy is a class deriving from :class:`Strategy` that overrides the
callbacks it needs. Every callback gets the strategy's :class:`StrategyContext`
first: the clock and the actions. Times are integer nanoseconds of simulated
time; prices are integer price units (``1/price_scale``), sides ``1`` buy and
``-1`` sell, as everywhere in ticktwin.

What a strategy sees is late: a book update or trade reaches it after its own
feed link's latency, and an execution report after its response link's. What it
does is late too: an action leaves at ``now + compute`` and travels the entry
link for its kind (submit, modify, cancel) to the venue, which applies messages
in order of their arrival there, never in order of issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class ReportStatus(StrEnum):
    """What an execution report says happened to an order."""

    ACCEPTED = "accepted"
    """Resting on the book (possibly after a partial fill, reported separately)."""
    FILLED = "filled"
    """A fill (``last_qty`` at ``last_price``); ``leaves_qty`` 0 means the order is done."""
    CANCELLED = "cancelled"
    """Cancelled (by a cancel, or the unfilled rest of an IOC/FOK or market order)."""
    MODIFIED = "modified"
    """A modify was applied (``price``/``leaves_qty`` are the new ones)."""
    REJECTED = "rejected"
    """Refused (``reason`` says why); nothing changed."""


@dataclass(frozen=True, slots=True)
class BookUpdate:
    """The top of one symbol's book right after a change at the venue (``ts_ns``)."""

    ts_ns: int
    symbol: str
    bid: int | None
    bid_qty: int
    ask: int | None
    ask_qty: int


@dataclass(frozen=True, slots=True)
class TradePrint:
    """A trade at the venue (``ts_ns``), whoever traded."""

    ts_ns: int
    symbol: str
    price: int
    qty: int
    aggressor_side: int
    """1: a buyer took liquidity, -1: a seller did, 0: not shown (an execution in the data)."""


@dataclass(frozen=True, slots=True)
class ExecutionReport:
    """What happened to one of the strategy's orders at the venue at ``ts_ns``."""

    ts_ns: int
    order_id: int
    """The id :meth:`StrategyContext.submit` returned."""
    status: ReportStatus
    symbol: str
    side: int
    price: int | None
    """The order's limit price (None for a market order)."""
    leaves_qty: int
    """Quantity still working after this report."""
    last_qty: int = 0
    """Filled by this report (``FILLED`` only)."""
    last_price: int | None = None
    """Price of this fill (``FILLED`` only)."""
    liquidity: str = ""
    """``"maker"`` or ``"taker"`` for a fill."""
    reason: str = ""
    """Why it was refused (``REJECTED`` only), e.g. ``unknown_order``."""


class StrategyContext(Protocol):
    """The clock and the actions of one strategy, handed to every callback."""

    @property
    def now_ns(self) -> int:
        """The current simulated time."""
        ...

    @property
    def name(self) -> str:
        """The strategy's name in the scenario (``[[strategies]] name``)."""
        ...

    def submit(self, symbol: str, side: int, qty: int, price: int | None = None,
               tif: str = "gtc", post_only: bool = False) -> int:
        """Send a new order and return its id.

        A limit order at ``price``, or a market order when ``price`` is None; ``tif`` is
        ``"gtc"``, ``"ioc"`` or ``"fok"``; a ``post_only`` limit order is refused
        (``post_only_would_cross``) instead of taking liquidity.
        """
        ...

    def cancel(self, order_id: int) -> None:
        """Send a cancel of the whole remaining quantity of ``order_id``."""
        ...

    def modify(self, order_id: int, price: int, qty: int) -> None:
        """Send a modify: new limit price and new total quantity of ``order_id``."""
        ...

    def set_timer(self, at_ns: int, timer_id: int = 0) -> None:
        """Call :meth:`Strategy.on_timer` with ``timer_id`` at ``at_ns`` (not before now)."""
        ...


class Strategy:
    """Base class of every strategy; override the callbacks you need.

    Parameters from the scenario (``[[strategies]] params``) are passed to the
    subclass's ``__init__`` as keyword arguments.
    """

    def on_start(self, ctx: StrategyContext) -> None:
        """The run starts (at the first event's time)."""

    def on_book_update(self, ctx: StrategyContext, book: BookUpdate) -> None:
        """A subscribed book changed (``book.ts_ns`` at the venue; ``ctx.now_ns`` is later)."""

    def on_trade(self, ctx: StrategyContext, trade: TradePrint) -> None:
        """A trade printed in a subscribed symbol."""

    def on_execution_report(self, ctx: StrategyContext, report: ExecutionReport) -> None:
        """One of the strategy's orders was accepted, filled, cancelled, modified or refused."""

    def on_timer(self, ctx: StrategyContext, timer_id: int) -> None:
        """A timer set with :meth:`StrategyContext.set_timer` fired."""

    def on_stop(self, ctx: StrategyContext) -> None:
        """The replay is over (after the last event); actions sent now are not applied."""
