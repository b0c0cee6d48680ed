"""Iceberg orders: visible slice, hidden remainder, refresh to the back of the queue."""

from __future__ import annotations

from sim.core import OrderBook, OrderType, RejectReason, Side, TimeInForce

BUY, SELL = Side.BUY, Side.SELL


def _iceberg_then_plain() -> OrderBook:
    """Asks at 101: iceberg id 1 (10 shown 3), then plain id 2 x4."""
    book = OrderBook()
    book.submit(1, SELL, 101, 10, display_qty=3)
    book.add(2, SELL, 101, 4)
    return book


def test_only_the_display_slice_is_visible() -> None:
    book = _iceberg_then_plain()
    assert book.level_size(SELL, 101) == 7
    assert book.depth(1) == ([], [(101, 7)])
    order = book.resting_order(1)
    assert order is not None
    assert (order.qty, order.hidden_qty, order.display_qty) == (3, 7, 3)
    assert book.queue_position(2) == 3


def test_submit_reports_total_resting_including_hidden() -> None:
    book = OrderBook()
    result = book.submit(1, BUY, 100, 10, display_qty=4)
    assert (result.resting_qty, result.cancelled_qty) == (10, 0)


def test_filled_slice_refreshes_at_the_back_of_the_queue() -> None:
    book = _iceberg_then_plain()
    result = book.market(9, BUY, 5)
    assert [(t.maker_id, t.qty) for t in result.trades] == [(1, 3), (2, 2)]
    assert [o.order_id for o in book.level_orders(SELL, 101)] == [2, 1]
    order = book.resting_order(1)
    assert order is not None
    assert (order.qty, order.hidden_qty) == (3, 4)
    assert book.level_size(SELL, 101) == 5
    assert book.queue_position(1) == 2


def test_aggressor_cycles_through_refreshes_in_queue_order() -> None:
    book = _iceberg_then_plain()
    result = book.market(9, BUY, 14)
    assert [(t.maker_id, t.qty) for t in result.trades] == [(1, 3), (2, 4), (1, 3), (1, 3), (1, 1)]
    assert len(book) == 0
    assert book.best_ask() is None


def test_last_slice_smaller_than_display() -> None:
    book = OrderBook()
    book.submit(1, SELL, 101, 7, display_qty=3)
    book.market(9, BUY, 6)
    order = book.resting_order(1)
    assert order is not None
    assert (order.qty, order.hidden_qty) == (1, 0)
    assert book.level_size(SELL, 101) == 1


def test_partial_slice_fill_keeps_priority() -> None:
    book = _iceberg_then_plain()
    book.market(9, BUY, 2)
    assert [o.order_id for o in book.level_orders(SELL, 101)] == [1, 2]
    assert book.level_size(SELL, 101) == 5


def test_crossing_iceberg_rests_remainder_as_iceberg() -> None:
    book = OrderBook()
    book.add(1, SELL, 101, 4)
    result = book.submit(9, BUY, 101, 12, display_qty=5)
    assert result.filled_qty == 4
    assert result.resting_qty == 8
    assert book.level_size(BUY, 101) == 5


def test_execute_iceberg_refreshes_slices() -> None:
    book = _iceberg_then_plain()
    result = book.execute(1, 5)
    assert result.trades[0].qty == 5
    assert result.resting_qty == 5
    order = book.resting_order(1)
    assert order is not None
    assert (order.qty, order.hidden_qty) == (1, 4)
    assert [o.order_id for o in book.level_orders(SELL, 101)] == [2, 1]


def test_partial_cancel_and_modify_decrease_take_hidden_first() -> None:
    book = _iceberg_then_plain()
    assert book.cancel(1, 5).resting_qty == 5
    order = book.resting_order(1)
    assert order is not None
    assert (order.qty, order.hidden_qty) == (3, 2)
    book.modify(1, 101, 2)
    order = book.resting_order(1)
    assert order is not None
    assert (order.qty, order.hidden_qty) == (2, 0)
    assert book.level_size(SELL, 101) == 6
    assert book.queue_position(1) == 0


def test_modify_increase_of_iceberg_starts_fresh_slice_at_back() -> None:
    book = _iceberg_then_plain()
    book.modify(1, 101, 12)
    order = book.resting_order(1)
    assert order is not None
    assert (order.qty, order.hidden_qty, order.display_qty) == (3, 9, 3)
    assert [o.order_id for o in book.level_orders(SELL, 101)] == [2, 1]


def test_reject_invalid_display_qty() -> None:
    book = OrderBook()
    for display in (0, -1, 11):
        result = book.submit(1, BUY, 100, 10, display_qty=display)
        assert result.reject_reason is RejectReason.INVALID_DISPLAY_QTY
    ioc = book.submit(1, BUY, 100, 10, tif=TimeInForce.IOC, display_qty=5)
    assert ioc.reject_reason is RejectReason.INVALID_DISPLAY_QTY
    market = book.submit(1, BUY, None, 10, order_type=OrderType.MARKET, display_qty=5)
    assert market.reject_reason is RejectReason.INVALID_DISPLAY_QTY
    assert len(book) == 0
