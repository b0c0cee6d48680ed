"""Pre-trade risk: a fixed chain of checks where the first failure decides.

:class:`PreTradeRisk` runs the checks in :data:`CHECK_ORDER` and stops at the
first that fails. All arithmetic is exact integer arithmetic on prices in
``1/price_scale`` units; all times are int nanoseconds passed in by the caller.
A limit left at ``None`` disables its check (it is left out of the compiled chain, so
it costs nothing per order); ``enabled = False`` disables all.

Boundaries (exactly at a limit passes, one unit over fails):

- kill switch: refused while the global switch or the account's switch is on.
- trading halt: refused while the symbol's circuit breaker halt lasts
  (:mod:`sim.core.circuit_breaker`).
- max order qty: ``qty > max_order_qty``.
- max notional: ``price * qty > max_notional * price_scale``.
- price collar: ``|price - ref| * 10_000 > ref * max_deviation_bps``.
- position limit: ``|position + side * (open qty on this side + qty)| > max_position``.
- credit limit (buys only): ``exposure + open buy notional + price * qty >
  max_credit * price_scale``, where exposure is the account's ``sum |position| x
  last trade price`` over its symbols. Sells never fail it (the position limit
  bounds them); short positions still use credit through the gross exposure.
- order rate: the account already had ``max_orders_per_window`` orders pass in
  ``(now - window, now]``. Only orders that pass every check (rate included)
  count, so refused orders never use up the budget.

Market orders (``price is None``) are priced at the reference price for the
notional and credit checks: the collar's reference when a collar is configured
and that price is known, else the last trade, else the mid. With no price at all
the price-based checks (notional, collar, credit) pass; a limit order's collar
also passes while its reference is unknown (no trade yet / no two-sided book).

State is fed by the caller: :meth:`PreTradeRisk.on_trade` (or
:meth:`PreTradeRisk.on_fill`) for positions, last trade and the circuit
breaker; :meth:`PreTradeRisk.on_book` for the mid (or :meth:`PreTradeRisk.read_mid_from`,
a callable asked only when a check needs it); :meth:`PreTradeRisk.on_accept`
and :meth:`PreTradeRisk.on_release` for open-order exposure.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from sim.core.circuit_breaker import BPS, CircuitBreaker
from sim.core.orders import Side
from sim.core.portfolio import Portfolio
from sim.core.vocabulary import RejectReason

if TYPE_CHECKING:
    from sim.scenario.risk import RiskConfig


CHECK_ORDER: Final[tuple[RejectReason, ...]] = (
    RejectReason.KILL_SWITCH,
    RejectReason.TRADING_HALTED,
    RejectReason.MAX_ORDER_QTY,
    RejectReason.MAX_NOTIONAL,
    RejectReason.PRICE_COLLAR,
    RejectReason.POSITION_LIMIT,
    RejectReason.CREDIT_LIMIT,
    RejectReason.ORDER_RATE,
)
"""The order in which :meth:`PreTradeRisk.check` runs its checks."""


class _Order:
    """The order under check, with its effective price (see the module notes)."""

    __slots__ = ("account", "now_ns", "price", "qty", "side", "symbol", "valued_at")

    def __init__(self, now_ns: int, account: str, symbol: str, side: Side,
                 price: int | None, qty: int, valued_at: int | None) -> None:
        self.now_ns = now_ns
        self.account = account
        self.symbol = symbol
        self.side = side
        self.price = price
        self.qty = qty
        self.valued_at = valued_at


class PreTradeRisk:
    """Pre-trade check chain with the state it needs (positions, prices, rates).

    Args:
        config: The scenario's risk section.
        price_scale: Price units per currency unit.
    """

    def __init__(self, config: RiskConfig, price_scale: int) -> None:
        if price_scale <= 0:
            raise ValueError(f"price_scale must be positive, got {price_scale}")
        self.config = config
        self.price_scale = price_scale
        self.portfolio = Portfolio()
        """Positions of the accounts, from the trades reported to :meth:`on_trade`."""
        self._kill_global = config.kill_switch.global_active
        self._killed_accounts = set(config.kill_switch.accounts)
        breaker = config.circuit_breaker
        self.circuit_breaker = (
            None if breaker is None
            else CircuitBreaker(breaker.max_move_bps, breaker.window, breaker.cool_off)
        )
        self._last_trade: dict[str, int] = {}
        self._mid: dict[str, int] = {}
        self._open_qty: dict[tuple[str, str, Side], int] = {}
        self._open_buy_notional: dict[str, int] = {}
        self._passed_ns: dict[str, deque[int]] = {}
        self._mid_source: Callable[[str], int | None] | None = None
        self._checks: tuple[Callable[[_Order], bool], ...] = (
            self._killed, self._halted, self._over_qty, self._over_notional,
            self._outside_collar, self._over_position, self._over_credit, self._over_rate,
        )
        self._values_orders = config.max_notional is not None or config.max_credit is not None
        """Whether a check reads an order's value (market orders then need a reference)."""
        self._chain = self._compile()

    def _compile(self) -> tuple[tuple[RejectReason, Callable[[_Order], bool]], ...]:
        """The checks that can fail under this config, in :data:`CHECK_ORDER`.

        A check whose limit is unset always passes, so it is left out rather than called
        per order; the kill switch is in while any switch is on (see :meth:`set_kill_switch`).
        """
        config = self.config
        if not config.enabled:
            return ()
        can_fail = (
            self._kill_global or bool(self._killed_accounts),
            self.circuit_breaker is not None,
            config.max_order_qty is not None,
            config.max_notional is not None,
            config.collar is not None,
            config.max_position is not None,
            config.max_credit is not None,
            config.max_orders_per_window is not None,
        )
        return tuple((reason, fails) for reason, fails, used
                     in zip(CHECK_ORDER, self._checks, can_fail, strict=True) if used)

    # -- the chain ---------------------------------------------------------

    def check(self, now_ns: int, account: str, symbol: str, side: Side,
              price: int | None, qty: int) -> RejectReason | None:
        """Return the first failing check's reason, or None when the order passes.

        A passing order counts towards the account's order rate at ``now_ns``.

        Args:
            now_ns: Simulation time of the check.
            account: Account sending the order.
            symbol: Instrument.
            side: ``Side.BUY`` or ``Side.SELL``.
            price: Limit price in ``1/price_scale`` units; None for a market order.
            qty: Order quantity in shares (positive).
        """
        chain = self._chain
        if not chain:
            return None
        order = self._order(now_ns, account, symbol, side, price, qty)
        for reason, fails in chain:
            if fails(order):
                return reason
        if self.config.max_orders_per_window is not None:
            self._passed_ns.setdefault(account, deque()).append(now_ns)
        return None

    def _order(self, now_ns: int, account: str, symbol: str, side: Side, price: int | None,
               qty: int) -> _Order:
        """The order under check; a market order is valued only when a check reads it."""
        valued_at = price
        if price is None and self._values_orders:
            valued_at = self.reference_price(symbol)
        return _Order(now_ns, account, symbol, side, price, qty, valued_at)

    def failing_checks(self, now_ns: int, account: str, symbol: str, side: Side,
                       price: int | None, qty: int) -> list[RejectReason]:
        """Every check the order fails, in :data:`CHECK_ORDER`; changes no state."""
        order = self._order(now_ns, account, symbol, side, price, qty)
        return [reason for reason, fails in self._chain if fails(order)]

    def _killed(self, order: _Order) -> bool:
        return self._kill_global or order.account in self._killed_accounts

    def _halted(self, order: _Order) -> bool:
        breaker = self.circuit_breaker
        return breaker is not None and breaker.is_halted(order.now_ns, order.symbol)

    def _over_qty(self, order: _Order) -> bool:
        limit = self.config.max_order_qty
        return limit is not None and order.qty > limit

    def _over_notional(self, order: _Order) -> bool:
        limit = self.config.max_notional
        if limit is None or order.valued_at is None:
            return False
        return order.valued_at * order.qty > limit * self.price_scale

    def _outside_collar(self, order: _Order) -> bool:
        collar = self.config.collar
        if collar is None or order.price is None:
            return False
        reference = self._collar_reference(order.symbol)
        if reference is None:
            return False
        return abs(order.price - reference) * BPS > reference * collar.max_deviation_bps

    def _over_position(self, order: _Order) -> bool:
        limit = self.config.max_position
        if limit is None:
            return False
        held = self.portfolio.position(order.account, order.symbol).qty
        pending = self._open_qty.get((order.account, order.symbol, order.side), 0)
        return abs(held + order.side * (pending + order.qty)) > limit

    def _over_credit(self, order: _Order) -> bool:
        limit = self.config.max_credit
        if limit is None or order.side != Side.BUY or order.valued_at is None:
            return False
        return self.credit_used(order.account) + order.valued_at * order.qty > (
            limit * self.price_scale
        )

    def _over_rate(self, order: _Order) -> bool:
        limit = self.config.max_orders_per_window
        if limit is None:
            return False
        passed = self._passed_ns.get(order.account)
        if passed is None:
            return False
        window = self.config.order_rate_window
        while passed and order.now_ns - passed[0] >= window:
            passed.popleft()
        return len(passed) >= limit

    # -- reference prices and exposure ------------------------------------

    def last_trade_price(self, symbol: str) -> int | None:
        """Price of the symbol's last reported trade, or None before the first."""
        return self._last_trade.get(symbol)

    def mid_price(self, symbol: str) -> int | None:
        """Floored mid of the last two-sided book, or None without one."""
        source = self._mid_source
        return self._mid.get(symbol) if source is None else source(symbol)

    def read_mid_from(self, source: Callable[[str], int | None]) -> None:
        """Ask ``source`` for a symbol's mid when a check needs it, instead of :meth:`on_book`.

        For a caller that holds the live books: reading the mid on demand gives the same
        figure as feeding every book change through :meth:`on_book`, at no cost per change.
        """
        self._mid_source = source

    def reference_price(self, symbol: str) -> int | None:
        """Price of market orders: the collar's reference if known, else last trade, else mid."""
        collar_reference = self._collar_reference(symbol)
        if collar_reference is not None:
            return collar_reference
        last = self._last_trade.get(symbol)
        return last if last is not None else self.mid_price(symbol)

    def _collar_reference(self, symbol: str) -> int | None:
        collar = self.config.collar
        if collar is None:
            return None
        if collar.reference == "mid":
            return self.mid_price(symbol)
        return self._last_trade.get(symbol)

    def credit_used(self, account: str) -> int:
        """Gross exposure plus open buy notional of ``account`` (price units x shares)."""
        exposure = self.portfolio.gross_exposure(account, self._last_trade)
        return exposure + self._open_buy_notional.get(account, 0)

    def open_qty(self, account: str, symbol: str, side: Side) -> int:
        """Open (accepted, not yet filled or cancelled) shares of ``account`` on ``side``."""
        return self._open_qty.get((account, symbol, side), 0)

    # -- state updates -----------------------------------------------------

    def on_trade(self, now_ns: int, symbol: str, price: int, qty: int,
                 buyer: str | None, seller: str | None) -> bool:
        """Book one trade: positions, last trade price, circuit breaker.

        Call once per trade, in time order (``None``: an untracked party).
        Returns True when the trade halts the symbol.
        """
        self.portfolio.on_fill(symbol, price, qty, buyer, seller)
        self._last_trade[symbol] = price
        breaker = self.circuit_breaker
        return breaker is not None and breaker.on_trade(now_ns, symbol, price)

    def on_fill(self, now_ns: int, account: str | None, symbol: str, side: Side,
                price: int, qty: int) -> bool:
        """Book one party's side of a trade (see :meth:`on_trade`).

        Calling it for both parties of one trade is safe: the second call
        repeats the same price at the same time, which moves nothing.
        """
        buyer, seller = (account, None) if side == Side.BUY else (None, account)
        return self.on_trade(now_ns, symbol, price, qty, buyer, seller)

    def on_book(self, symbol: str, best_bid: int | None, best_ask: int | None) -> None:
        """Update the mid from the top of book; a one-sided or empty book has none."""
        if best_bid is None or best_ask is None:
            self._mid.pop(symbol, None)
        else:
            self._mid[symbol] = (best_bid + best_ask) // 2

    def on_accept(self, account: str, symbol: str, side: Side, price: int, qty: int) -> None:
        """Count ``qty`` shares at limit ``price`` as open (they may still fill).

        Call for each order that passed and reached the book with a limit price;
        pair every share with a later :meth:`on_release`.
        """
        if qty <= 0:
            raise ValueError(f"open quantity must be positive, got {qty}")
        key = (account, symbol, side)
        self._open_qty[key] = self._open_qty.get(key, 0) + qty
        if side == Side.BUY:
            self._open_buy_notional[account] = (
                self._open_buy_notional.get(account, 0) + price * qty
            )

    def on_release(self, account: str, symbol: str, side: Side, price: int, qty: int) -> None:
        """Stop counting ``qty`` open shares (filled, cancelled, expired or rejected).

        ``price`` is the limit price given to :meth:`on_accept`.
        """
        key = (account, symbol, side)
        left = self._open_qty.get(key, 0) - qty
        if qty <= 0 or left < 0:
            raise ValueError(f"cannot release {qty} of {self._open_qty.get(key, 0)} open shares")
        if left:
            self._open_qty[key] = left
        else:
            del self._open_qty[key]
        if side == Side.BUY:
            self._open_buy_notional[account] -= price * qty

    def set_kill_switch(self, active: bool, account: str | None = None) -> None:
        """Turn the global switch (``account=None``) or one account's switch on or off."""
        if account is None:
            self._kill_global = active
        elif active:
            self._killed_accounts.add(account)
        else:
            self._killed_accounts.discard(account)
        self._chain = self._compile()

    def kill_switch_active(self, account: str | None = None) -> bool:
        """Whether orders of ``account`` (None: any account) are refused by the switch."""
        return self._kill_global or (account is not None and account in self._killed_accounts)
