"""The risk stage runs the full pre-trade chain on state fed by the matching engine."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl

from sim.model.platform import Platform, run_platform
from sim.model.testing import constant_topology, events, scenario

# Every order reaches risk 28us after it is sent (link 10, gateway 5, link 10, risk 3).
TRADE_AT_100 = [
    (1_000, "add", 1, -1, 10_000, 10),  # sell 10 @ 1.0000 rests
    (2_000, "add", 2, 1, 10_000, 4),  # buy 4 crosses: last trade 1.0000
]


def reasons(rows, risk) -> list[str | None]:
    result = run_platform(scenario(constant_topology(), risk), [[events(rows)]], len(rows))
    return pl.from_arrow(result.orders)["reject_reason"].to_list()


def test_price_collar_uses_the_last_trade_from_the_books() -> None:
    rows = [
        *TRADE_AT_100,
        (500_000, "add", 3, 1, 10_501, 1),  # 501 bps above the last trade
        (600_000, "add", 4, 1, 10_500, 1),  # exactly 500 bps: passes
    ]
    risk = {"collar": {"reference": "last_trade", "max_deviation_bps": 500}}
    assert reasons(rows, risk) == [None, None, "price_collar", None]


def test_collar_passes_before_any_reference_price() -> None:
    rows = [(1_000, "add", 1, 1, 99_999, 1)]
    risk = {"collar": {"reference": "last_trade", "max_deviation_bps": 1}}
    assert reasons(rows, risk) == [None]


def test_market_order_notional_is_valued_at_the_last_trade() -> None:
    rows = [*TRADE_AT_100, (500_000, "market", 3, 1, None, 11), (600_000, "market", 4, 1, None, 10)]
    # 11 x 1.0000 = 11 > 10 currency units; 10 is exactly the limit
    assert reasons(rows, {"max_notional": 10}) == [None, None, "max_notional", None]


def test_position_limit_counts_fills_and_open_orders_until_released() -> None:
    rows = [
        *TRADE_AT_100,  # the account bought 4 and sold 4: flat, 6 still offered
        (500_000, "add", 3, 1, 9_000, 3),  # open buy 3
        (600_000, "add", 4, 1, 9_000, 8),  # 3 + 8 = 11 > 10
        (700_000, "cancel", 3, 1, None, None),  # releases the open 3
        (800_000, "add", 5, 1, 9_000, 8),  # 8 <= 10
        (900_000, "add", 6, -1, 12_000, 16),  # sell side: 6 open + 16 = 22 > 10
    ]
    assert reasons(rows, {"max_position": 10}) == [
        None, None, None, "position_limit", None, None, "position_limit"
    ]


def test_open_exposure_is_zero_after_everything_is_cancelled_or_filled() -> None:
    rows = [
        *TRADE_AT_100,
        (500_000, "add", 3, 1, 9_000, 3),
        (600_000, "modify", 3, 1, 9_100, 5),
        (700_000, "cancel", 3, 1, None, None),
        (800_000, "market", 4, 1, None, 6),  # takes the 6 left of order 1
    ]
    platform = Platform(scenario(constant_topology(), {"max_position": 100}), [[events(rows)]],
                        len(rows))
    platform.run()
    pretrade = platform.risk.pretrade
    assert pretrade.open_qty("clients", "AAA", 1) == pretrade.open_qty("clients", "AAA", -1) == 0
    assert pretrade.last_trade_price("AAA") == 10_000
    assert pretrade.portfolio.position("clients", "AAA").qty == 0


def test_circuit_breaker_halts_the_symbol() -> None:
    rows = [
        (1_000, "add", 1, -1, 10_000, 10),
        (2_000, "add", 2, 1, 10_000, 10),  # takes all of it: last trade 1.0000, book empty
        (500_000, "add", 3, -1, 10_200, 1),
        (600_000, "add", 4, 1, 10_200, 1),  # trade 200 bps away within the window: halt
        (700_000, "add", 5, 1, 10_000, 1),
    ]
    risk = {"circuit_breaker": {"max_move_bps": 100, "window": "1s", "cool_off": "10s"}}
    assert reasons(rows, risk) == [None, None, None, None, "trading_halted"]


def test_kill_switch_account_is_the_source_name_without_an_account_column() -> None:
    rows = [(1_000, "add", 1, 1, 10_000, 1)]
    assert reasons(rows, {"kill_switch": {"accounts": ["clients"]}}) == ["kill_switch"]
    assert reasons(rows, {"kill_switch": {"accounts": ["other"]}}) == [None]


def test_kill_switch_uses_the_data_account_column_when_present() -> None:
    rows = [(1_000, "add", 1, 1, 10_000, 1), (2_000, "add", 2, 1, 10_000, 1)]
    batch = replace(events(rows), account=np.array([0, 1], dtype=np.int32),
                    accounts=("alice", "rogue"))
    risk = {"kill_switch": {"accounts": ["rogue"]}}
    result = run_platform(scenario(constant_topology(), risk), [[batch]], len(rows))
    table = pl.from_arrow(result.orders)
    assert table["account"].to_list() == ["alice", "rogue"]
    assert table["reject_reason"].to_list() == [None, "kill_switch"]
