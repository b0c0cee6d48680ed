"""The risk engine: a stage whose service ends with the pre-trade chain of ``sim.core.pretrade``.

At the end of an order's service the chain (:class:`~sim.core.pretrade.PreTradeRisk`)
checks it at the current simulation time, for the order's account (see
:mod:`sim.model.accounts`). An order that fails is rejected at the risk stage
with the first failing check's reason (``max_order_qty``, ``max_notional``,
``price_collar``, ...) and its execution report goes back over the
``matching_to_client`` link. Cancels are never refused; modifies are checked
with their new price and size like a new order (a modify that keeps its size
passes; one that keeps its price is valued at the reference price), so the
position and credit checks count the replaced order's open quantity as well:
conservative.

The chain's state follows the matching engine (:meth:`RiskEngine.watch`): every
trade (history included) feeds positions, the last trade price and the circuit
breaker; the top of each changed book feeds the mid; each model order's shares
resting on a book count as open exposure (``on_accept``/``on_release``) at
its current limit price (tracked only when ``max_position`` or ``max_credit`` is
set, the checks that read it). The engine sees the books at once, with no drop-copy
delay. With ``risk.enabled = false`` nothing is checked or tracked (the stage
still takes time).

A scheduled ``kill_switch`` fault (:meth:`RiskEngine.schedule_kill_switch`) turns the
chain's switch on and off with one timeout per edge, scheduled before the run starts,
so an edge comes before any check at the same nanosecond: an order whose check falls
in ``[start, end)`` is refused ``kill_switch`` (cancels still pass, as above). Windows
are counted per switch, so overlapping windows and a switch already set by
``[risk.kill_switch]`` stay on until nothing holds them.
"""

from __future__ import annotations

import simpy

from sim.core.book import OrderBook
from sim.core.orders import BookResult, Side
from sim.core.pretrade import PreTradeRisk
from sim.core.vocabulary import OrderAction, RejectReason
from sim.model.accounts import OrderAccounts
from sim.model.component import Receiver
from sim.model.environment import SimulationEnvironment
from sim.model.matching import MatchingEngine
from sim.model.order_stage import OrderStage
from sim.model.recorder import NULL, OrderRecorder
from sim.model.sampling import DurationSampler
from sim.scenario.schema import RiskConfig, StageConfig

_ADD, _CANCEL = OrderAction.ADD, OrderAction.CANCEL
"""Bound once: checked per order, and an enum class attribute lookup costs ~100 ns."""


class RiskEngine(OrderStage):
    """Risk stage stamping ``ts_risk_{in,start,out}_ns`` and applying the pre-trade chain.

    Args:
        env: The simulation environment.
        config: Workers, service distribution and queue capacity.
        service: Service-time sampler.
        recorder: Per-order columns.
        risk: The chain's limits; ``enabled = false`` passes everything.
        price_scale: Price units per currency unit (for the money limits).
    """

    def __init__(
        self,
        env: SimulationEnvironment,
        config: StageConfig,
        service: DurationSampler,
        recorder: OrderRecorder,
        risk: RiskConfig,
        price_scale: int,
    ) -> None:
        super().__init__(env, "risk", config, service, recorder)
        self.pretrade = PreTradeRisk(risk, price_scale)
        self.checking = risk.enabled
        self.tracks_open = risk.max_position is not None or risk.max_credit is not None
        """Whether open model orders are counted (only the position and credit checks read them)."""
        self.accounts = OrderAccounts(recorder)
        self._capacity = recorder.capacity
        self._books: list[OrderBook] = []
        self._open: dict[int, tuple[int, int]] = {}
        """Model orders counted as open: seq -> (limit price, shares) given to ``on_accept``."""
        self._kill_holds: dict[str | None, int] = {}
        """Scheduled kill-switch windows open now, by account (None: the global switch)."""
        views = recorder.view
        self._action, self._symbol, self._side = views("action"), views("symbol"), views("side")
        self._price, self._qty = views("price"), views("qty")

    def _served_to(self) -> Receiver:
        """Through the pre-trade chain, or straight on when risk is disabled."""
        return self._checked if self.checking else self.forward

    def watch(self, matching: MatchingEngine) -> None:
        """Follow ``matching``'s books: trades, tops of book and open model orders."""
        if self.checking:
            self._books = matching.books
            self.pretrade.read_mid_from(self._mid)
            matching.add_listener(self.book_changed)

    def _mid(self, symbol: str) -> int | None:
        """Floored mid of ``symbol``'s book now, or None unless it is two-sided."""
        book = self._books[self.recorder.symbol_code(symbol)]
        bid, ask = book.best_bid(), book.best_ask()
        return None if bid is None or ask is None else (bid + ask) // 2

    # ------------------------------------------------------------------ checks

    def _checked(self, seq: int) -> None:
        """Pass ``seq`` on if every check passes, else refuse it with the first failing one."""
        reason = self._check(seq)
        if reason is None:
            self.forward(seq)
            return
        self._refuse_counted(seq, reason)

    def _check(self, seq: int) -> RejectReason | None:
        """The chain's first failing check for order ``seq`` now, or None."""
        qty = self._qty[seq]
        if self._action[seq] == _CANCEL or qty == NULL:
            return None
        price = self._price[seq]
        return self.pretrade.check(
            self.env.now,
            self.accounts.name(seq),
            self.recorder.symbols[self._symbol[seq]],
            Side(self._side[seq]),
            None if price == NULL else price,
            qty,
        )

    # ------------------------------------------------------------ kill switch

    def schedule_kill_switch(self, start_ns: int, end_ns: int, account: str | None) -> None:
        """Engage the kill switch of ``account`` (None: global) during [start_ns, end_ns).

        Call before the run starts; times are absolute simulated ns (past ones act at once).
        """
        now = self.env.now
        timeout = self.env.timeout
        timeout(max(0, start_ns - now), account).callbacks.append(self._engage_kill_switch)
        timeout(max(0, end_ns - now), account).callbacks.append(self._release_kill_switch)

    def _engage_kill_switch(self, event: simpy.Event) -> None:
        account: str | None = event.value
        self._kill_holds[account] = self._kill_holds.get(account, 0) + 1
        self.pretrade.set_kill_switch(True, account)

    def _release_kill_switch(self, event: simpy.Event) -> None:
        """Close one window; the switch goes off unless another window or the config holds it."""
        account: str | None = event.value
        left = self._kill_holds[account] - 1
        if left:
            self._kill_holds[account] = left
            return
        del self._kill_holds[account]
        configured = self.pretrade.config.kill_switch
        if not (configured.global_active if account is None else account in configured.accounts):
            self.pretrade.set_kill_switch(False, account)

    # ------------------------------------------------------------- book state

    def book_changed(self, ts_ns: int, symbol: str, result: BookResult, owner: int) -> None:
        """Feed one accepted book operation at ``ts_ns`` into the chain's state.

        Args:
            ts_ns: Time of the operation.
            symbol: The book's symbol.
            result: What the operation did.
            owner: Sequence number of the model order it acted on, or -1.
        """
        tracks_open = self.tracks_open
        if not (tracks_open or result.trades):
            return  # the chain reads the mid from the book itself (see ``watch``)
        capacity = self._capacity
        pretrade = self.pretrade
        name = self.accounts.name
        touched = [owner] if owner >= 0 and tracks_open else []
        for trade in result.trades:
            maker = trade.maker_id - 1 if trade.maker_id <= capacity else -1
            taker = trade.taker_id - 1 if 0 < trade.taker_id <= capacity else -1
            maker_account = name(maker) if maker >= 0 else None
            taker_account = name(taker) if taker >= 0 else None
            if trade.aggressor_side == Side.BUY:
                buyer, seller = taker_account, maker_account
            else:
                buyer, seller = maker_account, taker_account
            pretrade.on_trade(ts_ns, symbol, trade.price, trade.qty, buyer, seller)
            if maker >= 0 and tracks_open:
                touched.append(maker)
        if not tracks_open:
            return
        book = self._books[self.recorder.symbol_code(symbol)]
        touched.extend(order_id - 1 for order_id, _ in result.cancelled_orders
                       if order_id <= capacity)
        for seq in touched:
            self._sync_open(seq, symbol, book)

    def _sync_open(self, seq: int, symbol: str, book: OrderBook) -> None:
        """Make the open exposure counted for model order ``seq`` match what rests on ``book``."""
        if self._action[seq] != _ADD:
            return
        resting = book.resting_order(seq + 1)
        now = None if resting is None else (resting.price, resting.qty + resting.hidden_qty)
        before = self._open.get(seq)
        if now == before:
            return
        account, side = self.accounts.name(seq), Side(self._side[seq])
        if before is not None:
            self.pretrade.on_release(account, symbol, side, *before)
            del self._open[seq]
        if now is not None:
            self.pretrade.on_accept(account, symbol, side, *now)
            self._open[seq] = now
