"""A strategy's ledger: positions, fees and P&L, and the accounting identity."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sim.core.strategy_ledger import StrategyLedger


def test_a_round_trip_realises_the_spread_minus_fees() -> None:
    ledger = StrategyLedger(maker_fee=-2, taker_fee=3)
    ledger.on_fill(1, 1, "X", 1, 1000, 10, True, 1005, 40)     # buy 10 passively, rebate 20
    ledger.on_fill(2, 2, "X", -1, 1010, 10, False, 1005, None)  # sell 10 aggressively, fee 30
    assert ledger.totals() == {
        "fills": 2, "maker_fills": 1, "taker_fills": 1, "position": 0,
        "realized_pnl": 100, "unrealized_pnl": 0, "fees": 10, "net_pnl": 90,
    }
    assert ledger.rows["fee"] == [-20, 30]
    assert ledger.rows["queue_ahead_at_entry"] == [40, None]
    assert ledger.rows["cash"] == [-10_000 + 20, 100 - 10]


def test_an_open_position_is_marked_to_the_latest_mark() -> None:
    ledger = StrategyLedger()
    ledger.on_fill(1, 1, "X", -1, 1000, 5, True, 1000, 0)
    ledger.mark("X", 990)
    assert (ledger.totals()["unrealized_pnl"], ledger.totals()["position"]) == (50, -5)


fills = st.lists(
    st.tuples(st.sampled_from(["X", "Y"]), st.sampled_from([1, -1]),
              st.integers(1, 10_000), st.integers(1, 500), st.booleans(),
              st.integers(1, 10_000)),
    min_size=1, max_size=40)


@given(fills, st.integers(-30, 30), st.integers(-30, 30))
def test_cash_plus_marked_position_is_realised_plus_unrealised_minus_fees(
    rows: list[tuple[str, int, int, int, bool, int]], maker_fee: int, taker_fee: int,
) -> None:
    ledger = StrategyLedger(maker_fee, taker_fee)
    for ts, (symbol, side, price, qty, maker, mark) in enumerate(rows):
        ledger.on_fill(ts, ts + 1, symbol, side, price, qty, maker, mark, None)
        marked = sum(p.qty * ledger.marks[s] for s, p in ledger.positions.items())
        assert ledger.cash() + marked == ledger.realized() + ledger.unrealized() - ledger.fees
    expected_fees = sum((maker_fee if maker else taker_fee) * qty
                        for _s, _side, _p, qty, maker, _m in rows)
    assert ledger.fees == expected_fees
    assert ledger.totals()["position"] == sum(side * qty for _s, side, _p, qty, _m, _k in rows)
