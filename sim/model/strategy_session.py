"""One strategy in a run: its links, its orders and its callbacks, in simulated time.

A :class:`StrategySession` is the platform side of a ``[[strategies]]`` entry.
Market data (top-of-book changes and trades of its symbols, history included)
reaches the strategy over its own ``feed`` link; an action leaves at
``now + compute`` over the entry link of its kind (``submit``, ``modify``,
``cancel``) to the venue (the matching stage, or the gateway with
``route = "platform"``); execution reports come back over its ``response`` link.
Its orders are model orders (source ``strategy.<name>``, its own account): they rest in
the same books as the replayed history, in the book's own price-time priority.
Its fills are booked in its own :class:`~sim.core.strategy_ledger.StrategyLedger`
(positions, fees, P&L), written out as ``strategy_<name>.parquet``.

Callbacks run only up to the last data event (``data_end``, set by the platform):
after it, reports and updates are still counted but not delivered, so a
strategy reacting to its own orders cannot keep a finished replay running.
More than :data:`MAX_ACTIONS_PER_INSTANT` actions at one instant stop the run (with
zero latencies a strategy answering its own updates would loop without time passing).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

import pyarrow as pa
import simpy

from sim.core.book import OrderBook
from sim.core.orders import BookResult, Side
from sim.core.strategy_ledger import StrategyLedger
from sim.core.vocabulary import OrderAction
from sim.data.events import CODE_BY_TIF, NO_PRICE, NO_QTY
from sim.errors import StrategyError
from sim.model.accounts import OrderAccounts
from sim.model.component import Ports
from sim.model.environment import SimulationEnvironment
from sim.model.matching import MatchingEngine
from sim.model.recorder import OrderRecorder
from sim.model.strategy_records import Acknowledgements, StrategyOrder, ledger_table
from sim.scenario.strategy import StrategyConfig
from sim.strategy.api import (
    BookUpdate,
    ExecutionReport,
    ReportStatus,
    Strategy,
    TradePrint,
)
from sim.units import format_ns

_MODIFY, _CANCEL = OrderAction.MODIFY, OrderAction.CANCEL
_BUY, _SELL = Side.BUY, Side.SELL
"""Bound once: compared per report (an enum attribute lookup costs ~100 ns)."""

MAX_ACTIONS_PER_INSTANT = 10_000
"""Most actions one strategy may send at one simulated instant (a feedback-loop guard)."""

SendAt = Callable[[int, int], None]


class StrategySession(Ports):
    """A strategy wired into the platform; also the :class:`StrategyContext` it acts through.

    Args:
        env: The simulation environment.
        config: The ``[[strategies]]`` entry.
        strategy: The loaded strategy object.
        source_code: Index of ``strategy.<name>`` in the recorder's sources.
        recorder: Per-order columns.
        engine: The matching engine (book symbols, time in force).
    """

    inputs: ClassVar[tuple[str, ...]] = ("market_data", "report_delivered", "book_changed")
    outputs = ("submit_out", "modify_out", "cancel_out", "feed_out", "response_out")
    submit_out: SendAt
    """The submit entry link's ``send_at``."""
    modify_out: SendAt
    cancel_out: SendAt
    feed_out: SendAt
    """The feed link's ``send_at`` (market data towards the strategy)."""
    response_out: SendAt
    """The response link's ``send_at`` (execution reports towards the strategy)."""

    def __init__(
        self,
        env: SimulationEnvironment,
        config: StrategyConfig,
        strategy: Strategy,
        source_code: int,
        recorder: OrderRecorder,
        engine: MatchingEngine,
    ) -> None:
        self.env = env
        self.config = config
        self.name = f"strategy.{config.name}"
        self.strategy = strategy
        self.source_code = source_code
        self.recorder = recorder
        self.engine = engine
        self.account = OrderAccounts(recorder).code(config.account or config.name)
        self.symbols = None if config.symbols is None else frozenset(config.symbols)
        self._compute = config.compute
        kind = type(strategy)
        self._wants_trades = kind.on_trade is not Strategy.on_trade
        self._wants_book = kind.on_book_update is not Strategy.on_book_update
        """Market data it does not listen to is not sent (one SimPy event less per message)."""
        self.ledger = StrategyLedger(config.maker_fee, config.taker_fee)
        """Its fills, positions, fees and P&L."""
        self._orders: dict[int, StrategyOrder] = {}
        """By order id (the id ``submit`` returned)."""
        self._by_seq: dict[int, int] = {}
        """Order id of each of the strategy's recorder rows (adds, cancels and modifies)."""
        self._inbox: dict[int, BookUpdate | TradePrint | ExecutionReport] = {}
        """Messages on their way to the strategy, by link item."""
        self._next_item = 0
        self._acks = Acknowledgements(recorder.view("ts_ack_ns"))
        self._action, self._price = recorder.view("action"), recorder.view("price")
        self._account_column = recorder.view("account")
        """Plain-int views of the recorder's columns (numpy scalars compare slowly)."""
        self._last_top: dict[str, tuple[int | None, int, int | None, int]] = {}
        self._instant = -1
        self._actions_this_instant = 0
        self.data_end: Callable[[], int | None] = lambda: None
        """The last data event's time once every feed is done (None before): callbacks stop
        after it (set by the platform)."""
        self._stopped = False
        self.actions = 0
        self.book_updates = 0
        self.trades_seen = 0
        self.reports = 0
        self.timers = 0
        self.dropped_after_end = 0
        self.ignored_after_stop = 0
        self._scheduled_timers = 0
        self.init_outputs()

    # ------------------------------------------------------------ StrategyContext

    @property
    def now_ns(self) -> int:
        """The current simulated time."""
        return self.env.now

    def submit(self, symbol: str, side: int, qty: int, price: int | None = None,
               tif: str = "gtc", post_only: bool = False) -> int:
        """Send a new order; see :meth:`sim.strategy.api.StrategyContext.submit`."""
        if side not in (1, -1):
            raise StrategyError(
                f"{self.name}: submit side must be 1 (buy) or -1 (sell), not {side!r}")
        if tif not in CODE_BY_TIF:
            raise StrategyError(f"{self.name}: submit tif must be gtc, ioc or fok, not {tif!r}")
        if post_only and (price is None or tif != "gtc"):
            raise StrategyError(f"{self.name}: a post-only order needs a price and tif gtc")
        if self._stopped:
            self.ignored_after_stop += 1
            return 0
        order_id = len(self._orders) + 1
        action = OrderAction.ADD if price is not None else OrderAction.MARKET
        seq = self._append(symbol, action, order_id, side, price, qty)
        if tif != "gtc" or post_only:
            self.engine.set_time_in_force_of(seq, CODE_BY_TIF[tif], post_only)
        order = self._orders[order_id] = StrategyOrder(seq, symbol, side, price, qty)
        order.arrival_mid = self._mid_or_none(symbol)
        self._send(self.submit_out, seq, order_id)
        return order_id

    def cancel(self, order_id: int) -> None:
        """Send a cancel of ``order_id``'s remaining quantity."""
        self._amend(order_id, OrderAction.CANCEL, self.cancel_out, None, None)

    def modify(self, order_id: int, price: int, qty: int) -> None:
        """Send a modify of ``order_id`` to ``price`` for ``qty`` in total."""
        self._amend(order_id, OrderAction.MODIFY, self.modify_out, price, qty)

    def _amend(self, order_id: int, action: OrderAction, out: SendAt, price: int | None,
               qty: int | None) -> None:
        order = self._orders.get(order_id)
        if order is None:
            raise StrategyError(
                f"{self.name}: {action.label} of order {order_id}, which it never sent")
        if self._stopped:
            self.ignored_after_stop += 1
            return
        seq = self._append(order.symbol, action, order_id, order.side, price, qty)
        self._send(out, seq, order_id)

    def set_timer(self, at_ns: int, timer_id: int = 0) -> None:
        """Call ``on_timer(timer_id)`` at ``at_ns`` (now, if ``at_ns`` has passed)."""
        self._scheduled_timers += 1
        delay = max(0, at_ns - self.env.now)
        self.env.timeout(delay).callbacks.append(partial(self._timer, timer_id))

    def _append(self, symbol: str, action: OrderAction, order_id: int, side: int,
                price: int | None, qty: int | None) -> int:
        recorder = self.recorder
        code = recorder.symbol_code(symbol)
        self.engine.ensure_books(len(recorder.symbols))
        seq = recorder.append_order(
            self.source_code, self.env.now + self._compute, code, action, order_id, side,
            NO_PRICE if price is None else price, NO_QTY if qty is None else qty,
        )
        self._account_column[seq] = self.account
        return seq

    def _send(self, out: SendAt, seq: int, order_id: int) -> None:
        now = self.env.now
        if now != self._instant:
            self._instant, self._actions_this_instant = now, 0
        self._actions_this_instant += 1
        if self._actions_this_instant > MAX_ACTIONS_PER_INSTANT:
            raise StrategyError(
                f"{self.name}: more than {MAX_ACTIONS_PER_INSTANT} actions at "
                f"{_when(now)} without time passing (a feedback loop? give its links or "
                "compute a latency)")
        self._by_seq[seq] = order_id
        self.actions += 1
        out(now + self._compute, seq)

    # ------------------------------------------------------------ callbacks in

    def start(self) -> None:
        """Call ``on_start`` (at the run's first event)."""
        self._call("on_start", self.strategy.on_start)

    def stop(self) -> None:
        """Call ``on_stop`` once the replay is over; actions it sends are ignored (counted).

        Open positions are marked to the venue's mid at the end.
        """
        for symbol in self.ledger.positions:
            self.ledger.mark(symbol, self._mid(symbol, self.ledger.marks.get(symbol, 0)))
        self._stopped = True
        self._call("on_stop", self.strategy.on_stop)

    def _open(self) -> bool:
        end = self.data_end()
        if end is not None and self.env.now > end:
            self.dropped_after_end += 1
            return False
        return True

    def _timer(self, timer_id: int, _event: simpy.Event) -> None:
        if self._open():
            self.timers += 1
            self._call("on_timer", self.strategy.on_timer, timer_id)

    def market_data(self, item: int) -> None:
        """The feed link delivers a book update or a trade."""
        message = self._inbox.pop(item)
        if not self._open():
            return
        if isinstance(message, BookUpdate):
            self.book_updates += 1
            self._call("on_book_update", self.strategy.on_book_update, message)
        elif isinstance(message, TradePrint):
            self.trades_seen += 1
            self._call("on_trade", self.strategy.on_trade, message)

    def report_delivered(self, item: int) -> None:
        """The response link delivers an execution report."""
        message = self._inbox.pop(item)
        self.reports += 1
        self._acks.delivered(item, message, self.env.now)
        if self._open() and isinstance(message, ExecutionReport):
            self._call("on_execution_report", self.strategy.on_execution_report, message)

    def _call(self, callback: str, function: Callable[..., None], *args: Any) -> None:
        try:
            function(self, *args)
        except StrategyError:
            raise
        except Exception as error:
            raise StrategyError(
                f"{self.name}: {type(self.strategy).__name__}.{callback} raised "
                f"{type(error).__name__}: {error} at {_when(self.env.now)}") from error

    # ------------------------------------------------------------ venue side

    def _post(self, out: SendAt, ts_ns: int, message: BookUpdate | TradePrint | ExecutionReport,
              ack: int = -1) -> int:
        """Send ``message`` at ``ts_ns``; its delivery stamps ``ts_ack_ns`` of row ``ack``."""
        item = self._next_item
        self._next_item += 1
        self._inbox[item] = message
        if ack >= 0:
            self._acks.expect(item, ack)
        out(ts_ns, item)
        return item

    def book_changed(self, ts_ns: int, symbol: str, result: BookResult) -> None:
        """A book of ``symbol`` changed at ``ts_ns``: send its trades and new top, if subscribed."""
        if self.symbols is not None and symbol not in self.symbols:
            return
        if self._wants_trades:
            for trade in result.trades:
                self._post(self.feed_out, ts_ns, TradePrint(
                    ts_ns, symbol, trade.price, trade.qty, int(trade.aggressor_side)))
        if not self._wants_book:
            return
        book = self.engine.books[self.recorder.symbol_code(symbol)]
        bid, ask = book.best_bid(), book.best_ask()
        top = (bid, 0 if bid is None else book.level_size(_BUY, bid),
               ask, 0 if ask is None else book.level_size(_SELL, ask))
        if self._last_top.get(symbol) != top:
            self._last_top[symbol] = top
            self._post(self.feed_out, ts_ns, BookUpdate(ts_ns, symbol, *top))

    def filled(self, ts_ns: int, seq: int, price: int, qty: int, maker: bool) -> None:
        """Order row ``seq`` traded ``qty`` at ``price`` at ``ts_ns``."""
        order_id = self._by_seq[seq]
        order = self._orders[order_id]
        order.filled += qty
        self.ledger.on_fill(ts_ns, order_id, order.symbol, order.side, price, qty, maker,
                            self._mid(order.symbol, price), order.queue_ahead, order.arrival_mid)
        self._acks.last_fill[order_id] = self._post(self.response_out, ts_ns, ExecutionReport(
            ts_ns, order_id, ReportStatus.FILLED, order.symbol, order.side, order.price,
            order.leaves, last_qty=qty, last_price=price,
            liquidity="maker" if maker else "taker"))

    def reported(self, seq: int, result: BookResult | None, reason: str) -> None:
        """The venue (or a stage) finished with row ``seq``: report what it did to the order."""
        order_id = self._by_seq[seq]
        order = self._orders[order_id]
        action = self._action[seq]
        now = self.env.now
        if result is None:
            status = ReportStatus.REJECTED
        elif action == _MODIFY:
            order.price = self._price[seq]
            order.qty = order.filled + order.cancelled + result.resting_qty
            status = ReportStatus.MODIFIED
        elif result.resting_qty and action != _CANCEL:
            status = ReportStatus.ACCEPTED
            if order.queue_ahead is None and action != _MODIFY:
                # it just joined the back of its level: everything else there is ahead
                # (the book's queue_position would walk the whole level to say the same)
                level = self._book(order.symbol).level_size(Side(order.side), order.price or 0)
                order.queue_ahead = level - result.resting_qty
        else:
            status = ReportStatus.CANCELLED
            order.cancelled = order.qty - order.filled
        if status is ReportStatus.CANCELLED and not order.cancelled:
            self._acks.by_last_fill(order_id, seq, self._inbox)  # fully filled
            return
        self._post(self.response_out, now, ExecutionReport(
            now, order_id, status, order.symbol, order.side, order.price, order.leaves,
            reason=reason), ack=seq)

    def _book(self, symbol: str) -> OrderBook:
        return self.engine.books[self.recorder.symbol_code(symbol)]

    def _mid(self, symbol: str, default: int) -> int:
        """The venue's mid of ``symbol`` now, or ``default`` while a side is empty."""
        mid = self._mid_or_none(symbol)
        return default if mid is None else mid

    def _mid_or_none(self, symbol: str) -> int | None:
        book = self._book(symbol)
        bid, ask = book.best_bid(), book.best_ask()
        return None if bid is None or ask is None else (bid + ask) // 2

    def ledger_table(self) -> pa.Table:
        """Its fills with fee, liquidity, queue position at entry and P&L after each."""
        return ledger_table(self.ledger)

    # ------------------------------------------------------------ component

    @property
    def scheduled_events(self) -> int:
        """Timers set (its links count their own deliveries)."""
        return self._scheduled_timers

    def stats(self) -> dict[str, int]:
        """Counters: actions sent, updates, trades and reports received, timers fired."""
        return {
            "actions": self.actions,
            "orders": len(self._orders),
            "book_updates": self.book_updates,
            "trades": self.trades_seen,
            "reports": self.reports,
            "timers": self.timers,
            "dropped_after_end": self.dropped_after_end,
            "ignored_after_stop": self.ignored_after_stop,
            **self.ledger.totals(),
        }


def _when(ts_ns: int) -> str:
    """A simulated time for an error message: exact, and readable."""
    return f"{ts_ns} ns ({format_ns(ts_ns)})"
