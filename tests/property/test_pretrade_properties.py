"""Property tests of the pre-trade chain against a brute-force oracle.

Random configurations and random event sequences (orders, trades, book tops,
kill switches, open orders accepted and released) drive both
:class:`PreTradeRisk` and an oracle that evaluates every check on its own from
the plain event history. The chain must report exactly the first failing check
in ``CHECK_ORDER`` (and ``failing_checks`` all of them); a disabled config
never refuses anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import event as note_event
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.orders import Side
from sim.core.pretrade import CHECK_ORDER, PreTradeRisk
from sim.core.vocabulary import RejectReason
from sim.scenario.risk import RiskConfig

R = RejectReason
SCALE = 10
ACCOUNTS = st.sampled_from(["a", "b"])
SYMBOLS = st.sampled_from(["X", "Y"])
SIDES = st.sampled_from([Side.BUY, Side.SELL])
PRICES = st.integers(80, 120)

CONFIGS = st.fixed_dictionaries(
    {},
    optional={
        "max_order_qty": st.integers(1, 30),
        "max_notional": st.integers(1, 400),
        "collar": st.fixed_dictionaries({
            "reference": st.sampled_from(["last_trade", "mid"]),
            "max_deviation_bps": st.integers(1, 2000),
        }),
        "max_position": st.integers(1, 60),
        "max_credit": st.integers(1, 1000),
        "max_orders_per_window": st.integers(1, 4),
        "order_rate_window": st.integers(1, 20),
        "kill_switch": st.fixed_dictionaries({
            "global_active": st.sampled_from([False, False, False, True]),
            "accounts": st.lists(ACCOUNTS, max_size=1),
        }),
        "circuit_breaker": st.fixed_dictionaries({
            "max_move_bps": st.integers(1, 1500),
            "window": st.integers(1, 20),
            "cool_off": st.integers(0, 20),
        }),
    },
)

ORDERS = st.tuples(st.just("order"), st.integers(0, 6), ACCOUNTS, SYMBOLS, SIDES,
                   st.one_of(st.none(), PRICES), st.integers(1, 40))
EVENTS = st.one_of(
    ORDERS,
    ORDERS,
    ORDERS,
    st.tuples(st.just("trade"), st.integers(0, 6), SYMBOLS, PRICES, st.integers(1, 20),
              st.one_of(st.none(), ACCOUNTS), st.one_of(st.none(), ACCOUNTS)),
    st.tuples(st.just("book"), SYMBOLS, st.one_of(st.none(), PRICES), st.integers(0, 6)),
    st.tuples(st.just("kill"), st.booleans(), st.one_of(st.none(), ACCOUNTS)),
    st.tuples(st.just("accept"), ACCOUNTS, SYMBOLS, SIDES, PRICES, st.integers(1, 20)),
    st.tuples(st.just("release"), st.integers(0, 100)),
)

EVENT_LISTS = st.lists(EVENTS, min_size=5, max_size=50)


@dataclass
class Oracle:
    """Plain-history model of every check, each evaluated on its own."""

    config: RiskConfig
    now: int = 0
    trades: list[tuple[int, str, int, int, str | None, str | None]] = field(default_factory=list)
    mids: dict[str, int | None] = field(default_factory=dict)
    kill_global: bool = False
    killed: set[str] = field(default_factory=set)
    open_orders: list[tuple[str, str, Side, int, int]] = field(default_factory=list)
    passed: dict[str, list[int]] = field(default_factory=dict)
    halts: dict[str, tuple[int, int]] = field(default_factory=dict)
    window_start: dict[str, tuple[int, int]] = field(default_factory=dict)

    def last(self, symbol: str) -> int | None:
        prices = [p for _, s, p, _, _, _ in self.trades if s == symbol]
        return prices[-1] if prices else None

    def trade(self, t: int, symbol: str, price: int, qty: int,
              buyer: str | None, seller: str | None) -> None:
        breaker = self.config.circuit_breaker
        if breaker is not None and not self.halted(t, symbol):
            first, since = self.window_start.get(symbol, (0, 0))
            inside = [p for i, (tt, s, p, *_) in enumerate(self.trades)
                      if i >= first and s == symbol and tt >= since and t - tt < breaker.window]
            if inside and abs(price - inside[0]) * 10_000 > inside[0] * breaker.max_move_bps:
                self.halts[symbol] = (t, t + breaker.cool_off)
                # The window restarts after this trade, with the first trade after the halt.
                self.window_start[symbol] = (len(self.trades) + 1, t + breaker.cool_off)
        self.trades.append((t, symbol, price, qty, buyer, seller))

    def halted(self, t: int, symbol: str) -> bool:
        start, end = self.halts.get(symbol, (0, 0))
        return start <= t < end

    def position(self, account: str, symbol: str) -> int:
        return sum((q if b == account else 0) - (q if s == account else 0)
                   for _, sym, _, q, b, s in self.trades if sym == symbol)

    def reference(self, symbol: str) -> int | None:
        collar = self.config.collar
        if collar is not None and collar.reference == "mid" and self.mids.get(symbol) is not None:
            return self.mids[symbol]
        last = self.last(symbol)
        return last if last is not None else self.mids.get(symbol)

    def failing(self, account: str, symbol: str, side: Side, price: int | None,
                qty: int) -> list[R]:
        c = self.config
        if not c.enabled:
            return []
        value = price if price is not None else self.reference(symbol)
        fails = {
            R.KILL_SWITCH: self.kill_global or account in self.killed,
            R.TRADING_HALTED: self.halted(self.now, symbol),
            R.MAX_ORDER_QTY: c.max_order_qty is not None and qty > c.max_order_qty,
            R.MAX_NOTIONAL: c.max_notional is not None and value is not None
            and value * qty > c.max_notional * SCALE,
            R.PRICE_COLLAR: self.outside_collar(symbol, price),
            R.POSITION_LIMIT: self.over_position(account, symbol, side, qty),
            R.CREDIT_LIMIT: self.over_credit(account, side, value, qty),
            R.ORDER_RATE: c.max_orders_per_window is not None
            and sum(self.now - t < c.order_rate_window for t in self.passed.get(account, []))
            >= c.max_orders_per_window,
        }
        return [reason for reason in CHECK_ORDER if fails[reason]]

    def outside_collar(self, symbol: str, price: int | None) -> bool:
        collar = self.config.collar
        if collar is None or price is None:
            return False
        ref = self.mids.get(symbol) if collar.reference == "mid" else self.last(symbol)
        return ref is not None and abs(price - ref) * 10_000 > ref * collar.max_deviation_bps

    def over_position(self, account: str, symbol: str, side: Side, qty: int) -> bool:
        limit = self.config.max_position
        if limit is None:
            return False
        pending = sum(q for a, s, sd, _, q in self.open_orders
                      if (a, s, sd) == (account, symbol, side))
        return abs(self.position(account, symbol) + side * (pending + qty)) > limit

    def over_credit(self, account: str, side: Side, value: int | None, qty: int) -> bool:
        limit = self.config.max_credit
        if limit is None or side != Side.BUY or value is None:
            return False
        exposure = sum(abs(self.position(account, s)) * (self.last(s) or 0) for s in ("X", "Y"))
        open_buys = sum(p * q for a, _, sd, p, q in self.open_orders
                        if a == account and sd == Side.BUY)
        return exposure + open_buys + value * qty > limit * SCALE


def replay(config_data: dict[str, Any], events: list[tuple[Any, ...]]) -> None:
    config = RiskConfig.model_validate(config_data)
    risk = PreTradeRisk(config, SCALE)
    oracle = Oracle(config, kill_global=config.kill_switch.global_active,
                    killed=set(config.kill_switch.accounts))
    for event in events:
        kind = event[0]
        if kind == "order":
            _, dt, account, symbol, side, price, qty = event
            oracle.now += dt
            expected = oracle.failing(account, symbol, side, price, qty)
            assert risk.failing_checks(oracle.now, account, symbol, side, price, qty) == expected
            reason = risk.check(oracle.now, account, symbol, side, price, qty)
            assert reason == (expected[0] if expected else None)
            note_event(f"order: {reason or 'passed'}")
            if reason is None:
                oracle.passed.setdefault(account, []).append(oracle.now)
        elif kind == "trade":
            _, dt, symbol, price, qty, buyer, seller = event
            oracle.now += dt
            oracle.trade(oracle.now, symbol, price, qty, buyer, seller)
            risk.on_trade(oracle.now, symbol, price, qty, buyer, seller)
        elif kind == "book":
            _, symbol, bid, spread = event
            ask = None if bid is None else bid + spread
            oracle.mids[symbol] = None if bid is None or ask is None else (bid + ask) // 2
            risk.on_book(symbol, bid, ask)
        elif kind == "kill":
            _, active, account = event
            if account is None:
                oracle.kill_global = active
            elif active:
                oracle.killed.add(account)
            else:
                oracle.killed.discard(account)
            risk.set_kill_switch(active, account)
        elif kind == "accept":
            _, account, symbol, side, price, qty = event
            oracle.open_orders.append((account, symbol, side, price, qty))
            risk.on_accept(account, symbol, side, price, qty)
        elif oracle.open_orders:
            account, symbol, side, price, qty = oracle.open_orders.pop(
                event[1] % len(oracle.open_orders))
            risk.on_release(account, symbol, side, price, qty)


@settings(max_examples=600, deadline=None)
@given(CONFIGS, EVENT_LISTS)
def test_reason_is_the_first_failing_check(config: dict[str, Any],
                                           events: list[tuple[Any, ...]]) -> None:
    replay(config, events)


@settings(max_examples=100, deadline=None)
@given(CONFIGS, EVENT_LISTS)
def test_disabled_config_never_rejects(config: dict[str, Any],
                                       events: list[tuple[Any, ...]]) -> None:
    risk = PreTradeRisk(RiskConfig.model_validate({**config, "enabled": False}), SCALE)
    now = 0
    for event in events:
        if event[0] == "order":
            _, dt, account, symbol, side, price, qty = event
            now += dt
            assert risk.check(now, account, symbol, side, price, qty) is None
        elif event[0] == "trade":
            _, dt, symbol, price, qty, buyer, seller = event
            now += dt
            risk.on_trade(now, symbol, price, qty, buyer, seller)
        elif event[0] == "kill":
            risk.set_kill_switch(event[1], event[2])
