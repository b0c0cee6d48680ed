"""Stop and stop-limit orders: held off book, triggered by trades, cascading in order."""

from __future__ import annotations

from sim.core import OrderBook, OrderType, RejectReason, Side, TimeInForce, Trade

BUY, SELL = Side.BUY, Side.SELL
STOP, STOP_LIMIT = OrderType.STOP, OrderType.STOP_LIMIT


def _ladder() -> OrderBook:
    """Asks 101x5 (id 1), 102x5 (id 2), 103x5 (id 3); bids 99x5 (id 4), 98x5 (id 5)."""
    book = OrderBook()
    for order_id, price in ((1, 101), (2, 102), (3, 103)):
        book.add(order_id, SELL, price, 5)
    for order_id, price in ((4, 99), (5, 98)):
        book.add(order_id, BUY, price, 5)
    return book


def test_stop_is_held_off_book_and_reported_as_resting() -> None:
    book = _ladder()
    result = book.submit(20, BUY, None, 3, order_type=STOP, stop_price=102)
    assert result.accepted
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (0, 3, 0)
    assert 20 not in book
    assert book.stop_count == 1
    held = book.stop_order(20)
    assert held is not None
    assert (held.side, held.stop_price, held.price, held.qty) == (1, 102, None, 3)
    assert book.depth(5) == ([(99, 5), (98, 5)], [(101, 5), (102, 5), (103, 5)])


def test_buy_stop_triggers_on_trade_at_stop_and_enters_as_market() -> None:
    book = _ladder()
    book.submit(20, BUY, None, 3, order_type=STOP, stop_price=102)
    below = book.add(30, BUY, 101, 5)
    assert below.triggered_stop_ids == []
    result = book.add(31, BUY, 102, 1)
    assert result.triggered_stop_ids == [20]
    assert result.trades == [
        Trade(102, 1, 2, 31, BUY, None, None),
        Trade(102, 3, 2, 20, BUY, None, None),
    ]
    assert (result.filled_qty, result.resting_qty) == (1, 0)
    assert book.stop_count == 0
    assert book.level_size(SELL, 102) == 1


def test_sell_stop_triggers_on_trade_at_or_below_stop() -> None:
    book = _ladder()
    book.submit(20, SELL, None, 4, order_type=STOP, stop_price=99)
    result = book.market(31, SELL, 2)
    assert result.triggered_stop_ids == [20]
    assert [(t.taker_id, t.price, t.qty) for t in result.trades] == [
        (31, 99, 2),
        (20, 99, 3),
        (20, 98, 1),
    ]


def test_trade_through_stop_price_triggers() -> None:
    book = _ladder()
    book.submit(20, BUY, None, 1, order_type=STOP, stop_price=100)
    result = book.execute(1, 5)
    assert result.triggered_stop_ids == [20]
    assert [(t.taker_id, t.price) for t in result.trades] == [(0, 101), (20, 102)]


def test_stop_limit_rests_at_its_limit_after_trigger() -> None:
    book = _ladder()
    book.submit(20, BUY, 102, 8, order_type=STOP_LIMIT, stop_price=101)
    result = book.add(31, BUY, 101, 2)
    assert result.triggered_stop_ids == [20]
    assert [(t.taker_id, t.price, t.qty) for t in result.trades] == [
        (31, 101, 2),
        (20, 101, 3),
        (20, 102, 5),
    ]
    assert 20 not in book
    assert book.depth(5)[1] == [(103, 5)]


def test_stop_limit_remainder_rests_on_book() -> None:
    book = _ladder()
    book.submit(20, BUY, 101, 8, order_type=STOP_LIMIT, stop_price=101)
    result = book.add(31, BUY, 101, 2)
    assert [(t.taker_id, t.qty) for t in result.trades] == [(31, 2), (20, 3)]
    assert book.level_size(BUY, 101) == 5
    assert book.best_bid() == 101
    assert result.cancelled_orders == []


def test_stop_market_leftover_is_reported_in_cancelled_orders() -> None:
    book = OrderBook()
    book.add(1, SELL, 101, 2)
    book.add(2, SELL, 101, 2)
    book.submit(20, BUY, None, 10, order_type=STOP, stop_price=101)
    result = book.add(31, BUY, 101, 1)
    assert result.triggered_stop_ids == [20]
    assert [(t.taker_id, t.qty) for t in result.trades] == [(31, 1), (20, 1), (20, 2)]
    assert result.cancelled_orders == [(20, 7)]


def test_cascade_triggers_in_order() -> None:
    book = _ladder()
    book.submit(20, BUY, None, 5, order_type=STOP, stop_price=101)
    book.submit(21, BUY, None, 5, order_type=STOP, stop_price=102)
    book.submit(22, BUY, None, 1, order_type=STOP, stop_price=104)
    result = book.add(31, BUY, 101, 1)
    assert result.triggered_stop_ids == [20, 21]
    assert [(t.taker_id, t.price, t.qty) for t in result.trades] == [
        (31, 101, 1),
        (20, 101, 4),
        (20, 102, 1),
        (21, 102, 4),
        (21, 103, 1),
    ]
    assert book.stop_count == 1
    assert book.best_ask() == 103


def test_stops_triggered_by_one_trade_enter_in_arrival_order() -> None:
    book = _ladder()
    book.submit(20, BUY, None, 1, order_type=STOP, stop_price=101)
    book.submit(21, BUY, None, 1, order_type=STOP, stop_price=100)
    book.submit(22, SELL, None, 1, order_type=STOP, stop_price=102)
    result = book.add(31, BUY, 101, 1)
    assert result.triggered_stop_ids == [20, 21, 22]
    assert [(t.taker_id, t.price) for t in result.trades] == [
        (31, 101),
        (20, 101),
        (21, 101),
        (22, 99),
    ]


def test_triggered_fok_stop_that_cannot_fill_is_cancelled() -> None:
    book = _ladder()
    book.submit(20, BUY, 101, 50, order_type=STOP_LIMIT, stop_price=101, tif=TimeInForce.FOK)
    result = book.add(31, BUY, 101, 1)
    assert result.triggered_stop_ids == [20]
    assert result.cancelled_orders == [(20, 50)]
    assert [t.taker_id for t in result.trades] == [31]


def test_cancel_held_stop_fully_and_partially() -> None:
    book = _ladder()
    book.submit(20, BUY, None, 5, order_type=STOP, stop_price=102)
    partial = book.cancel(20, 2)
    assert (partial.accepted, partial.resting_qty, partial.cancelled_qty) == (True, 3, 2)
    assert book.cancel(20, 0).reject_reason is RejectReason.INVALID_QTY
    full = book.cancel(20)
    assert (full.resting_qty, full.cancelled_qty) == (0, 3)
    assert book.stop_count == 0
    assert book.add(31, BUY, 102, 6).triggered_stop_ids == []


def test_reject_duplicate_id_of_held_stop() -> None:
    book = _ladder()
    book.submit(20, BUY, None, 5, order_type=STOP, stop_price=102)
    assert book.add(20, BUY, 90, 1).reject_reason is RejectReason.DUPLICATE_ORDER_ID
    again = book.submit(20, SELL, None, 1, order_type=STOP, stop_price=90)
    assert again.reject_reason is RejectReason.DUPLICATE_ORDER_ID


def test_reject_invalid_stop_price() -> None:
    book = OrderBook()
    assert book.submit(1, BUY, None, 5, order_type=STOP).reject_reason is (
        RejectReason.INVALID_STOP_PRICE
    )
    assert book.submit(1, BUY, None, 5, order_type=STOP, stop_price=0).reject_reason is (
        RejectReason.INVALID_STOP_PRICE
    )
    assert book.submit(1, BUY, 100, 5, stop_price=101).reject_reason is (
        RejectReason.INVALID_STOP_PRICE
    )
    assert book.submit(1, BUY, None, 5, order_type=STOP_LIMIT, stop_price=101).reject_reason is (
        RejectReason.INVALID_PRICE
    )
    assert book.stop_count == 0


def test_reject_modify_and_execute_of_held_stop() -> None:
    book = _ladder()
    book.submit(20, BUY, 103, 5, order_type=STOP_LIMIT, stop_price=102)
    assert book.modify(20, 104, 5).reject_reason is RejectReason.ORDER_NOT_RESTING
    assert book.execute(20, 1).reject_reason is RejectReason.ORDER_NOT_RESTING
    assert book.stop_count == 1
