"""apply_event: the meaning of each canonical action on an OrderBook."""

from __future__ import annotations

from typing import cast

import pytest

from sim.core import OrderAction, OrderBook, RejectReason, Side
from sim.core.replay import apply_event

BUY, SELL = 1, -1
A = OrderAction


def _book() -> OrderBook:
    """Bids 100x10 (id 1) then 100x5 (id 2); asks 101x5 (id 3), 102x7 (id 4)."""
    book = OrderBook("TEST")
    for order_id, side, price, qty in (
        (1, BUY, 100, 10),
        (2, BUY, 100, 5),
        (3, SELL, 101, 5),
        (4, SELL, 102, 7),
    ):
        apply_event(book, A.ADD, order_id, side, price, qty)
    return book


def test_add_without_tif_rests_as_gtc_limit() -> None:
    book = _book()
    result = apply_event(book, A.ADD, 9, BUY, 99, 3)
    assert result is not None
    assert result.accepted
    assert result.resting_qty == 3
    assert book.level_size(Side.BUY, 99) == 3


def test_add_gtc_crossing_matches_then_rests_the_rest() -> None:
    book = _book()
    result = apply_event(book, A.ADD, 9, BUY, 101, 8, "gtc")
    assert result is not None
    assert [(t.maker_id, t.qty) for t in result.trades] == [(3, 5)]
    assert result.resting_qty == 3
    assert book.best_bid() == 101


def test_add_ioc_fills_up_to_its_limit_and_never_rests() -> None:
    book = _book()
    result = apply_event(book, A.ADD, 9, BUY, 101, 8, "ioc")
    assert result is not None
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (5, 0, 3)
    assert 9 not in book
    assert book.best_ask() == 102


def test_add_fok_that_cannot_fill_changes_nothing() -> None:
    book = _book()
    result = apply_event(book, A.ADD, 9, BUY, 101, 8, "fok")
    assert result is not None
    assert result.filled_qty == 0
    assert book.level_size(Side.SELL, 101) == 5


def test_cancel_with_qty_below_remaining_keeps_priority() -> None:
    book = _book()
    result = apply_event(book, A.CANCEL, 1, BUY, None, 4)
    assert result is not None
    assert result.cancelled_qty == 4
    sell = apply_event(book, A.MARKET, 9, SELL, None, 6)
    assert sell is not None
    assert [t.maker_id for t in sell.trades] == [1]


def test_cancel_with_null_or_large_qty_removes_the_whole_order() -> None:
    book = _book()
    apply_event(book, A.CANCEL, 1, BUY, None, None)
    apply_event(book, A.CANCEL, 2, BUY, None, 50)
    assert 1 not in book
    assert 2 not in book
    assert book.best_bid() is None


def test_cancel_and_execute_of_unknown_ids_are_rejected_without_change() -> None:
    book = _book()
    before = book.depth(5)
    for action in (A.CANCEL, A.EXECUTE, A.MODIFY):
        result = apply_event(book, action, 777, BUY, 100, 1)
        assert result is not None
        assert not result.accepted
        assert result.reject_reason is RejectReason.UNKNOWN_ORDER
    assert book.depth(5) == before


def test_modify_down_keeps_priority_and_up_loses_it() -> None:
    book = _book()
    apply_event(book, A.MODIFY, 1, BUY, 100, 6)
    assert book.queue_position(1) == 0
    apply_event(book, A.MODIFY, 1, BUY, 100, 20)
    assert book.queue_position(1) == 5


def test_market_takes_the_opposite_side_and_never_rests() -> None:
    book = _book()
    result = apply_event(book, A.MARKET, 9, BUY, None, 20)
    assert result is not None
    assert [(t.maker_id, t.qty) for t in result.trades] == [(3, 5), (4, 7)]
    assert result.resting_qty == 0
    assert book.best_ask() is None


def test_execute_fills_the_named_order_even_behind_others() -> None:
    book = _book()
    result = apply_event(book, A.EXECUTE, 2, BUY, 100, 5)
    assert result is not None
    assert [(t.maker_id, t.qty) for t in result.trades] == [(2, 5)]
    assert book.level_size(Side.BUY, 100) == 10


def test_trade_is_a_print_that_leaves_the_book_alone() -> None:
    book = _book()
    before = book.depth(5)
    assert apply_event(book, A.TRADE, 0, SELL, 100, 3) is None
    assert book.depth(5) == before


@pytest.mark.parametrize(
    ("action", "price", "qty", "tif", "match"),
    [
        ("add", None, 1, None, "needs a price"),
        ("add", 100, None, None, "needs a price and a qty"),
        ("modify", None, 3, None, "needs a price and a qty"),
        ("execute", None, None, None, "needs a qty"),
        ("market", None, None, None, "needs a qty"),
        ("modify", 100, None, None, "needs a qty"),
        ("add", 100, 1, "day", "day"),
    ],
)
def test_malformed_events_raise_value_error(
    action: str, price: int | None, qty: int | None, tif: str | None, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        apply_event(_book(), OrderAction.parse(action), 9, BUY, price, qty, tif)


def test_an_action_code_no_member_has_raises_value_error() -> None:
    with pytest.raises(ValueError, match="unknown action 99"):
        apply_event(_book(), cast(OrderAction, 99), 9, BUY, 100, 1)
