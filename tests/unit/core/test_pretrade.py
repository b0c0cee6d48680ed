"""Unit tests of the pre-trade risk chain (sim.core.pretrade) and its config."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from pydantic import ValidationError

from sim.core.circuit_breaker import CircuitBreaker
from sim.core.orders import Side
from sim.core.pretrade import CHECK_ORDER, PreTradeRisk
from sim.core.vocabulary import RISK_REASONS, RejectReason
from sim.scenario.risk import CollarReference, RiskConfig

R = RejectReason
BUY, SELL = Side.BUY, Side.SELL
SCALE = 100  # 1 currency unit = 100 price units
SECOND = 1_000_000_000


def make(price_scale: int = SCALE, **config: Any) -> PreTradeRisk:
    return PreTradeRisk(RiskConfig.model_validate(config), price_scale)


# -- config -----------------------------------------------------------------


def test_config_defaults_disable_every_limit() -> None:
    config = RiskConfig()
    assert config.enabled
    assert config.max_order_qty is None
    assert config.max_notional is None
    assert config.collar is None
    assert config.circuit_breaker is None
    assert config.order_rate_window == SECOND
    assert not config.kill_switch.global_active
    assert config.kill_switch.accounts == ()


def test_config_parses_the_documented_toml() -> None:
    text = """
    [risk]
    max_order_qty = 10_000
    max_notional = 1_000_000
    max_position = 50_000
    max_credit = 5_000_000
    max_orders_per_window = 100
    order_rate_window = "250ms"

    [risk.collar]
    reference = "mid"
    max_deviation_bps = 500

    [risk.kill_switch]
    accounts = ["rogue"]

    [risk.circuit_breaker]
    max_move_bps = 1000
    window = "5s"
    cool_off = "30s"
    """
    config = RiskConfig.model_validate(tomllib.loads(text)["risk"])
    assert config.order_rate_window == 250_000_000
    assert config.collar is not None
    assert config.collar.reference is CollarReference.MID
    assert config.kill_switch.accounts == ("rogue",)
    assert config.circuit_breaker is not None
    assert config.circuit_breaker.window == 5 * SECOND
    assert config.circuit_breaker.cool_off == 30 * SECOND


@pytest.mark.parametrize(
    "bad",
    [
        {"max_order_qty": 0},
        {"max_notional": -1},
        {"unknown": 1},
        {"order_rate_window": "0s"},
        {"collar": {"max_deviation_bps": 0}},
        {"collar": {"reference": "vwap", "max_deviation_bps": 5}},
        {"circuit_breaker": {"max_move_bps": 10, "window": "0s", "cool_off": "1s"}},
        {"kill_switch": {"extra": True}},
    ],
)
def test_config_rejects_invalid_values(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RiskConfig.model_validate(bad)


def test_config_is_frozen() -> None:
    with pytest.raises(ValidationError):
        RiskConfig().enabled = False  # type: ignore[misc]


# -- fat finger -------------------------------------------------------------


def test_max_order_qty_boundary() -> None:
    risk = make(max_order_qty=100)
    assert risk.check(0, "a", "X", BUY, 1000, 100) is None
    assert risk.check(0, "a", "X", BUY, 1000, 101) is R.MAX_ORDER_QTY


def test_max_notional_boundary_for_limit_orders() -> None:
    risk = make(max_notional=1000)  # 1000 currency = 100_000 price units x shares
    assert risk.check(0, "a", "X", BUY, 1000, 100) is None
    assert risk.check(0, "a", "X", SELL, 1000, 101) is R.MAX_NOTIONAL
    assert risk.check(0, "a", "X", BUY, 1001, 100) is R.MAX_NOTIONAL


def test_max_notional_prices_market_orders_at_the_reference() -> None:
    risk = make(max_notional=1000)
    assert risk.check(0, "a", "X", BUY, None, 10**9) is None  # no reference yet: passes
    risk.on_book("X", 990, 1010)  # mid 1000 is the only reference
    assert risk.check(0, "a", "X", BUY, None, 100) is None
    assert risk.check(0, "a", "X", BUY, None, 101) is R.MAX_NOTIONAL
    risk.on_trade(0, "X", 2000, 1, None, None)  # last trade takes precedence
    assert risk.check(0, "a", "X", BUY, None, 50) is None
    assert risk.check(0, "a", "X", BUY, None, 51) is R.MAX_NOTIONAL


# -- collar -----------------------------------------------------------------


def test_collar_around_last_trade_is_inclusive() -> None:
    risk = make(collar={"reference": "last_trade", "max_deviation_bps": 500})
    assert risk.check(0, "a", "X", BUY, 99_999, 1) is None  # no trade yet: passes
    risk.on_book("X", 1, 3)  # the mid is ignored by a last-trade collar
    risk.on_trade(0, "X", 10_000, 1, None, None)
    assert risk.check(0, "a", "X", BUY, 10_500, 1) is None
    assert risk.check(0, "a", "X", BUY, 9_500, 1) is None
    assert risk.check(0, "a", "X", BUY, 10_501, 1) is R.PRICE_COLLAR
    assert risk.check(0, "a", "X", SELL, 9_499, 1) is R.PRICE_COLLAR
    assert risk.check(0, "a", "Y", SELL, 1, 1) is None  # other symbol: no reference
    assert risk.check(0, "a", "X", BUY, None, 1) is None  # market orders pass the collar


def test_collar_around_mid() -> None:
    risk = make(collar={"reference": "mid", "max_deviation_bps": 100})
    risk.on_trade(0, "X", 50_000, 1, None, None)  # ignored by a mid collar
    assert risk.check(0, "a", "X", BUY, 1, 1) is None
    risk.on_book("X", 9_990, 10_011)  # floored mid 10_000
    assert risk.mid_price("X") == 10_000
    assert risk.check(0, "a", "X", BUY, 10_100, 1) is None
    assert risk.check(0, "a", "X", BUY, 9_900, 1) is None
    assert risk.check(0, "a", "X", BUY, 10_101, 1) is R.PRICE_COLLAR
    assert risk.check(0, "a", "X", BUY, 9_899, 1) is R.PRICE_COLLAR
    risk.on_book("X", None, 10_011)  # one-sided book: no mid, collar passes
    assert risk.check(0, "a", "X", BUY, 9_899, 1) is None


# -- position and credit ----------------------------------------------------


def test_position_limit_uses_fills_both_ways() -> None:
    risk = make(max_position=100)
    risk.on_trade(0, "X", 1000, 60, "a", "b")
    assert risk.portfolio.position("a", "X").qty == 60
    assert risk.check(0, "a", "X", BUY, 1000, 40) is None
    assert risk.check(0, "a", "X", BUY, 1000, 41) is R.POSITION_LIMIT
    assert risk.check(0, "a", "X", SELL, 1000, 160) is None
    assert risk.check(0, "a", "X", SELL, 1000, 161) is R.POSITION_LIMIT
    assert risk.check(0, "b", "X", SELL, 1000, 40) is None  # b is short 60
    assert risk.check(0, "b", "X", SELL, 1000, 41) is R.POSITION_LIMIT
    assert risk.check(0, "a", "Y", BUY, 1000, 100) is None  # per symbol


def test_position_limit_counts_open_orders_on_the_same_side() -> None:
    risk = make(max_position=100)
    risk.on_accept("a", "X", BUY, 1000, 30)
    risk.on_accept("a", "X", SELL, 1000, 500)  # the other side does not offset
    assert risk.open_qty("a", "X", BUY) == 30
    assert risk.check(0, "a", "X", BUY, 1000, 70) is None
    assert risk.check(0, "a", "X", BUY, 1000, 71) is R.POSITION_LIMIT
    risk.on_release("a", "X", BUY, 1000, 30)  # e.g. filled ...
    risk.on_fill(0, "a", "X", BUY, 1000, 30)  # ... and now a position
    assert risk.open_qty("a", "X", BUY) == 0
    assert risk.check(0, "a", "X", BUY, 1000, 70) is None
    assert risk.check(0, "a", "X", BUY, 1000, 71) is R.POSITION_LIMIT


def test_release_more_than_open_is_an_error() -> None:
    risk = make()
    risk.on_accept("a", "X", BUY, 1000, 5)
    with pytest.raises(ValueError, match="release"):
        risk.on_release("a", "X", BUY, 1000, 6)
    with pytest.raises(ValueError, match="positive"):
        risk.on_accept("a", "X", BUY, 1000, 0)


def test_credit_limit_counts_exposure_open_buys_and_the_order() -> None:
    risk = make(max_credit=1000)  # 100_000 price units x shares
    risk.on_trade(0, "X", 1000, 50, "a", None)  # exposure 50_000
    risk.on_accept("a", "Y", BUY, 500, 40)  # open buys 20_000
    assert risk.credit_used("a") == 70_000
    assert risk.check(0, "a", "X", BUY, 1000, 30) is None
    assert risk.check(0, "a", "X", BUY, 1000, 31) is R.CREDIT_LIMIT
    assert risk.check(0, "a", "X", SELL, 1000, 10_000) is None  # sells never fail it
    risk.on_trade(0, "X", 1400, 1, None, None)  # mark moves: exposure 70_000
    assert risk.check(0, "a", "X", BUY, 1000, 10) is None
    assert risk.check(0, "a", "X", BUY, 1000, 11) is R.CREDIT_LIMIT
    risk.on_release("a", "Y", BUY, 500, 40)
    assert risk.credit_used("a") == 70_000


def test_credit_limit_counts_short_positions_gross() -> None:
    risk = make(max_credit=1000)
    risk.on_trade(0, "X", 1000, 60, None, "a")  # short 60: exposure 60_000
    assert risk.check(0, "a", "Z", BUY, 1000, 40) is None
    assert risk.check(0, "a", "Z", BUY, 1000, 41) is R.CREDIT_LIMIT


def test_credit_limit_prices_market_buys_at_the_reference() -> None:
    risk = make(max_credit=1000)
    assert risk.check(0, "a", "X", BUY, None, 10**6) is None  # no reference: passes
    risk.on_trade(0, "X", 1000, 1, None, None)
    assert risk.check(0, "a", "X", BUY, None, 100) is None
    assert risk.check(0, "a", "X", BUY, None, 101) is R.CREDIT_LIMIT


# -- order rate -------------------------------------------------------------


def test_order_rate_sliding_window_is_exact() -> None:
    risk = make(max_orders_per_window=3, order_rate_window="1s")
    for t in (0, 1, 2):
        assert risk.check(t, "a", "X", BUY, 1000, 1) is None
    assert risk.check(SECOND - 1, "a", "X", BUY, 1000, 1) is R.ORDER_RATE
    assert risk.check(SECOND - 1, "b", "X", BUY, 1000, 1) is None  # per account
    assert risk.check(SECOND, "a", "X", BUY, 1000, 1) is None  # the order at 0 left
    assert risk.check(SECOND, "a", "X", BUY, 1000, 1) is R.ORDER_RATE
    assert risk.check(SECOND + 1, "a", "X", BUY, 1000, 1) is None  # the one at 1 left


def test_order_rate_counts_only_orders_that_pass() -> None:
    risk = make(max_orders_per_window=1, max_order_qty=10, order_rate_window=100)
    assert risk.check(0, "a", "X", BUY, 1000, 11) is R.MAX_ORDER_QTY
    assert risk.check(1, "a", "X", BUY, 1000, 1) is None
    for t in range(2, 50):
        assert risk.check(t, "a", "X", BUY, 1000, 1) is R.ORDER_RATE
    assert risk.check(101, "a", "X", BUY, 1000, 1) is None  # refused spam never counted


# -- kill switch ------------------------------------------------------------


def test_kill_switch_global_on_and_off() -> None:
    risk = make()
    risk.set_kill_switch(True)
    assert risk.kill_switch_active()
    assert risk.check(0, "a", "X", BUY, 1000, 1) is R.KILL_SWITCH
    assert risk.check(0, "b", "X", SELL, None, 1) is R.KILL_SWITCH
    risk.set_kill_switch(False)
    assert risk.check(0, "a", "X", BUY, 1000, 1) is None


def test_kill_switch_per_account_on_and_off() -> None:
    risk = make()
    risk.set_kill_switch(True, "a")
    assert risk.kill_switch_active("a")
    assert not risk.kill_switch_active("b")
    assert risk.check(0, "a", "X", BUY, 1000, 1) is R.KILL_SWITCH
    assert risk.check(0, "b", "X", BUY, 1000, 1) is None
    risk.set_kill_switch(False, "a")
    risk.set_kill_switch(False, "never-killed")
    assert risk.check(0, "a", "X", BUY, 1000, 1) is None


def test_kill_switch_initial_state_from_config() -> None:
    risk = make(kill_switch={"accounts": ["a"]})
    assert risk.check(0, "a", "X", BUY, 1000, 1) is R.KILL_SWITCH
    assert risk.check(0, "b", "X", BUY, 1000, 1) is None
    risk = make(kill_switch={"global_active": True})
    assert risk.check(0, "b", "X", BUY, 1000, 1) is R.KILL_SWITCH
    risk.set_kill_switch(False)
    assert risk.check(0, "b", "X", BUY, 1000, 1) is None


# -- circuit breaker --------------------------------------------------------

BREAKER = {"max_move_bps": 1000, "window": "1s", "cool_off": "5s"}


def test_circuit_breaker_halts_and_resumes_at_exact_times() -> None:
    risk = make(circuit_breaker=BREAKER)
    assert not risk.on_trade(0, "X", 10_000, 1, None, None)
    assert not risk.on_trade(500, "X", 11_000, 1, None, None)  # exactly 10 %: no halt
    assert risk.check(600, "a", "X", BUY, 1000, 1) is None
    assert risk.on_trade(600, "X", 11_001, 1, None, None)  # over 10 % vs the oldest
    halt_end = 600 + 5 * SECOND
    assert risk.circuit_breaker is not None
    assert risk.circuit_breaker.halted_until_ns("X") == halt_end
    assert risk.check(600, "a", "X", BUY, 1000, 1) is R.TRADING_HALTED
    assert risk.check(halt_end - 1, "a", "X", SELL, None, 1) is R.TRADING_HALTED
    assert risk.check(halt_end - 1, "a", "Y", BUY, 1000, 1) is None  # per symbol
    # Trades during the halt (e.g. a direct feed) neither extend nor start a window.
    assert not risk.on_trade(halt_end - 1, "X", 50_000, 1, None, None)
    assert risk.last_trade_price("X") == 50_000
    assert risk.check(halt_end, "a", "X", BUY, 1000, 1) is None
    # The window restarts: the first trade after the halt is the new oldest.
    assert not risk.on_trade(halt_end, "X", 20_000, 1, None, None)
    assert not risk.on_trade(halt_end + 1, "X", 22_000, 1, None, None)
    assert risk.on_trade(halt_end + 2, "X", 17_999, 1, None, None)


def test_circuit_breaker_window_expires_old_trades_exactly() -> None:
    breaker = CircuitBreaker(max_move_bps=1000, window_ns=SECOND, cool_off_ns=10)
    assert not breaker.on_trade(0, "X", 10_000)
    assert not breaker.on_trade(SECOND, "X", 12_000)  # the trade at 0 has left the window
    assert breaker.on_trade(2 * SECOND - 1, "X", 13_201)  # vs 12_000 at 1s, still inside
    assert breaker.is_halted(2 * SECOND - 1, "X")
    assert not breaker.is_halted(2 * SECOND + 9, "X")
    assert breaker.halted_until_ns("Y") is None


def test_circuit_breaker_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="circuit breaker"):
        CircuitBreaker(max_move_bps=10, window_ns=0, cool_off_ns=1)


# -- the chain ----------------------------------------------------------------


def _all_failing(active: tuple[RejectReason, ...]) -> tuple[PreTradeRisk, list[R]]:
    """Checks in ``active`` configured; the probe order of account a fails all of them."""
    config: dict[str, Any] = {
        R.MAX_ORDER_QTY: {"max_order_qty": 10},
        R.MAX_NOTIONAL: {"max_notional": 100},
        R.PRICE_COLLAR: {"collar": {"max_deviation_bps": 100}},
        R.POSITION_LIMIT: {"max_position": 120},
        R.CREDIT_LIMIT: {"max_credit": 1000},
        R.ORDER_RATE: {"max_orders_per_window": 1, "order_rate_window": "1s"},
        R.TRADING_HALTED: {"circuit_breaker": {"max_move_bps": 100, "window": "1s",
                                               "cool_off": "10s"}},
    }
    merged: dict[str, Any] = {}
    for reason in active:
        merged.update(config.get(reason, {}))
    risk = make(**merged)
    assert risk.check(0, "a", "X", BUY, 100, 1) is None  # one passing order for the rate
    risk.on_trade(0, "X", 10_000, 100, "a", None)
    risk.on_trade(1, "X", 20_000, 1, None, None)  # +100 %: halts X
    if R.KILL_SWITCH in active:
        risk.set_kill_switch(True, "a")
    return risk, risk.failing_checks(2, "a", "X", BUY, 30_000, 50)


@pytest.mark.parametrize("first", range(len(CHECK_ORDER)))
def test_an_order_failing_several_checks_gets_the_first(first: int) -> None:
    active = CHECK_ORDER[first:]
    risk, failing = _all_failing(active)
    assert failing == list(active)
    assert risk.check(2, "a", "X", BUY, 30_000, 50) is CHECK_ORDER[first]


def test_check_order_is_the_documented_order() -> None:
    assert [str(r) for r in CHECK_ORDER] == [
        "kill_switch", "trading_halted", "max_order_qty", "max_notional",
        "price_collar", "position_limit", "credit_limit", "order_rate",
    ]
    assert set(CHECK_ORDER) == RISK_REASONS


def test_disabled_config_never_rejects() -> None:
    risk = make(enabled=False, max_order_qty=1, kill_switch={"global_active": True})
    assert risk.check(0, "a", "X", BUY, 1000, 10**9) is None
    assert risk.failing_checks(0, "a", "X", BUY, 1000, 10**9) == []


def test_price_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="price_scale"):
        make(price_scale=0)
