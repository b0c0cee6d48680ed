"""Cancel, partial cancel, modify and execute (named resting order, hidden aggressor)."""

from __future__ import annotations

from sim.core import OrderBook, RejectReason, Side, Trade

BUY, SELL = Side.BUY, Side.SELL


def _queue() -> OrderBook:
    """Bids at 100: id 1 x3, id 2 x4, id 3 x5 (in that order); ask 105x10 (id 9)."""
    book = OrderBook()
    book.add(1, BUY, 100, 3)
    book.add(2, BUY, 100, 4)
    book.add(3, BUY, 100, 5)
    book.add(9, SELL, 105, 10)
    return book


def test_full_cancel_removes_order_and_reports_cancelled_qty() -> None:
    book = _queue()
    result = book.cancel(2)
    assert result.accepted
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (0, 0, 4)
    assert 2 not in book
    assert book.level_size(BUY, 100) == 8
    assert book.queue_position(3) == 3


def test_cancel_of_last_order_removes_level_and_updates_best() -> None:
    book = _queue()
    book.add(4, BUY, 101, 1)
    book.cancel(4)
    assert book.best_bid() == 100
    book.cancel(9)
    assert book.best_ask() is None
    assert book.depth(5) == ([(100, 12)], [])


def test_cancel_qty_at_least_remaining_is_a_full_cancel() -> None:
    book = _queue()
    assert book.cancel(1, 3).cancelled_qty == 3
    assert book.cancel(2, 100).cancelled_qty == 4
    assert len(book) == 2


def test_partial_cancel_keeps_priority() -> None:
    book = _queue()
    result = book.cancel(1, 2)
    assert (result.resting_qty, result.cancelled_qty) == (1, 2)
    assert book.queue_position(1) == 0
    assert book.queue_position(2) == 1
    assert book.level_size(BUY, 100) == 10
    trades = book.market(20, SELL, 2).trades
    assert [(t.maker_id, t.qty) for t in trades] == [(1, 1), (2, 1)]


def test_reject_cancel_unknown_order() -> None:
    book = _queue()
    result = book.cancel(77)
    assert not result.accepted
    assert result.reject_reason is RejectReason.UNKNOWN_ORDER
    assert book.cancel(77, 5).reject_reason is RejectReason.UNKNOWN_ORDER


def test_reject_partial_cancel_with_non_positive_qty() -> None:
    book = _queue()
    assert book.cancel(1, 0).reject_reason is RejectReason.INVALID_QTY
    assert book.cancel(1, -1).reject_reason is RejectReason.INVALID_QTY
    assert book.level_size(BUY, 100) == 12


def test_modify_size_decrease_keeps_priority() -> None:
    book = _queue()
    result = book.modify(1, 100, 2)
    assert result.accepted
    assert (result.resting_qty, result.cancelled_qty) == (2, 1)
    assert book.queue_position(1) == 0
    assert book.level_size(BUY, 100) == 11


def test_modify_same_price_same_size_is_a_no_op() -> None:
    book = _queue()
    result = book.modify(2, 100, 4)
    assert (result.accepted, result.resting_qty, result.cancelled_qty) == (True, 4, 0)
    assert book.queue_position(2) == 3


def test_modify_size_increase_loses_priority() -> None:
    book = _queue()
    result = book.modify(1, 100, 6)
    assert (result.resting_qty, result.cancelled_qty) == (6, 0)
    assert [o.order_id for o in book.level_orders(BUY, 100)] == [2, 3, 1]
    assert book.queue_position(1) == 9
    assert book.level_size(BUY, 100) == 15


def test_modify_price_change_loses_priority_even_when_smaller() -> None:
    book = _queue()
    book.add(4, BUY, 101, 2)
    result = book.modify(1, 101, 2)
    assert (result.resting_qty, result.cancelled_qty) == (2, 1)
    assert [o.order_id for o in book.level_orders(BUY, 101)] == [4, 1]
    assert book.depth(5)[0] == [(101, 4), (100, 9)]


def test_modify_back_to_original_price_goes_to_back() -> None:
    book = _queue()
    book.modify(1, 99, 3)
    book.modify(1, 100, 3)
    assert [o.order_id for o in book.level_orders(BUY, 100)] == [2, 3, 1]
    assert book.level_size(BUY, 99) == 0


def test_modify_into_cross_matches_then_rests() -> None:
    book = _queue()
    result = book.modify(3, 105, 12)
    assert result.trades == [Trade(105, 10, 9, 3, BUY, None, None)]
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (10, 2, 0)
    assert book.best_bid() == 105
    assert book.best_ask() is None
    assert book.level_size(BUY, 100) == 7


def test_reject_modify_unknown_and_invalid() -> None:
    book = _queue()
    assert book.modify(77, 100, 5).reject_reason is RejectReason.UNKNOWN_ORDER
    assert book.modify(1, 100, 0).reject_reason is RejectReason.INVALID_QTY
    assert book.modify(1, 0, 5).reject_reason is RejectReason.INVALID_PRICE
    assert book.queue_position(1) == 0


def test_execute_emits_trade_with_hidden_taker() -> None:
    book = _queue()
    result = book.execute(2, 3)
    assert result.trades == [Trade(100, 3, 2, 0, SELL, None, None)]
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (3, 1, 0)
    assert book.level_size(BUY, 100) == 9
    assert book.queue_position(2) == 3


def test_execute_of_whole_order_removes_it_and_its_level() -> None:
    book = _queue()
    result = book.execute(9, 10)
    assert result.trades == [Trade(105, 10, 9, 0, BUY, None, None)]
    assert result.resting_qty == 0
    assert 9 not in book
    assert book.best_ask() is None


def test_execute_more_than_remaining_fills_what_is_there() -> None:
    book = _queue()
    result = book.execute(1, 50)
    assert result.filled_qty == 3
    assert result.trades[0].qty == 3
    assert 1 not in book


def test_reject_execute_unknown_and_invalid_qty() -> None:
    book = _queue()
    assert book.execute(77, 1).reject_reason is RejectReason.UNKNOWN_ORDER
    assert book.execute(1, 0).reject_reason is RejectReason.INVALID_QTY
    assert book.level_size(BUY, 100) == 12
