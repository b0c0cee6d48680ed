import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.core.portfolio import Portfolio, Position


def test_round_trip_realises_the_price_difference() -> None:
    position = Position()
    position.apply(1, 100, 10)
    position.apply(-1, 105, 10)
    assert (position.qty, position.cost, position.realized, position.cash) == (0, 0, 50, 50)


def test_partial_close_keeps_average_entry() -> None:
    position = Position()
    position.apply(1, 100, 10)
    position.apply(1, 110, 10)  # average 105
    position.apply(-1, 120, 5)
    assert position.realized == 75
    assert position.qty == 15
    assert position.cost == 1575
    assert position.unrealized(105) == 0


def test_flip_opens_new_position_at_fill_price() -> None:
    position = Position()
    position.apply(-1, 50, 4)
    position.apply(1, 40, 10)  # closes 4 short (+40), opens 6 long at 40
    assert position.realized == 40
    assert (position.qty, position.cost) == (6, 240)


def test_zero_quantity_is_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        Position().apply(1, 100, 0)


def test_portfolio_books_both_sides_and_sorts() -> None:
    portfolio = Portfolio()
    portfolio.on_fill("X", 100, 3, buyer="b", seller="a")
    portfolio.on_fill("X", 100, 1, buyer=None, seller="b")
    assert [key for key, _ in portfolio.items()] == [("a", "X"), ("b", "X")]
    assert portfolio.position("a", "X").qty == -3
    assert portfolio.position("b", "X").qty == 2
    assert portfolio.gross_exposure("a", {"X": 100}) == 300


@given(
    st.lists(
        st.tuples(st.sampled_from([1, -1]), st.integers(1, 1000), st.integers(1, 50)), max_size=40
    )
)
def test_cash_plus_marked_position_equals_total_pnl(fills: list[tuple[int, int, int]]) -> None:
    """Conservation: realised + unrealised P&L equals cash plus the marked position."""
    position = Position()
    for side, price, qty in fills:
        position.apply(side, price, qty)
    mark = 500
    assert position.realized + position.unrealized(mark) == position.cash + position.qty * mark
