"""Limit orders: resting, matching, price-time priority, queries and basic rejects."""

from __future__ import annotations

from sim.core import BookResult, OrderBook, RejectReason, Side, Trade

BUY, SELL = Side.BUY, Side.SELL


def _book() -> OrderBook:
    """Bids 100x10 (id 1), 99x20 (id 2); asks 101x5 (id 3), 102x7 (id 4)."""
    book = OrderBook("TEST")
    book.add(1, BUY, 100, 10)
    book.add(2, BUY, 99, 20)
    book.add(3, SELL, 101, 5)
    book.add(4, SELL, 102, 7)
    return book


def test_empty_book_has_no_best_prices_and_no_depth() -> None:
    book = OrderBook()
    assert book.best_bid() is None
    assert book.best_ask() is None
    assert book.depth(5) == ([], [])
    assert len(book) == 0


def test_non_crossing_add_rests_and_reports_resting_qty() -> None:
    book = OrderBook()
    result = book.add(1, BUY, 100, 10)
    assert result.accepted
    assert result.reject_reason is None
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (0, 10, 0)
    assert result.trades == []
    assert 1 in book
    assert len(book) == 1


def test_best_prices_and_depth_best_first() -> None:
    book = _book()
    book.add(5, BUY, 100, 4)
    assert book.best_bid() == 100
    assert book.best_ask() == 101
    assert book.depth(5) == ([(100, 14), (99, 20)], [(101, 5), (102, 7)])
    assert book.depth(1) == ([(100, 14)], [(101, 5)])
    assert book.depth(0) == ([], [])


def test_level_size_of_missing_level_is_zero() -> None:
    book = _book()
    assert book.level_size(BUY, 99) == 20
    assert book.level_size(SELL, 102) == 7
    assert book.level_size(BUY, 98) == 0
    assert book.level_size(SELL, 100) == 0


def test_crossing_limit_trades_at_maker_prices_and_rests_remainder() -> None:
    book = _book()
    result = book.add(10, BUY, 102, 15)
    assert result.trades == [
        Trade(101, 5, 3, 10, BUY, None, None),
        Trade(102, 7, 4, 10, BUY, None, None),
    ]
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (12, 3, 0)
    assert book.best_bid() == 102
    assert book.best_ask() is None
    assert book.depth(3) == ([(102, 3), (100, 10), (99, 20)], [])
    assert 3 not in book
    assert 4 not in book


def test_limit_price_stops_the_sweep() -> None:
    book = _book()
    result = book.add(10, BUY, 101, 9)
    assert [(t.price, t.qty) for t in result.trades] == [(101, 5)]
    assert result.resting_qty == 4
    assert book.best_bid() == 101
    assert book.best_ask() == 102


def test_sell_aggressor_hits_bids_best_first() -> None:
    book = _book()
    result = book.add(10, SELL, 99, 25)
    assert result.trades == [
        Trade(100, 10, 1, 10, SELL, None, None),
        Trade(99, 15, 2, 10, SELL, None, None),
    ]
    assert result.resting_qty == 0
    assert book.depth(5) == ([(99, 5)], [(101, 5), (102, 7)])


def test_time_priority_within_level() -> None:
    book = OrderBook()
    book.add(1, SELL, 101, 3)
    book.add(2, SELL, 101, 4)
    book.add(3, SELL, 101, 5)
    result = book.add(9, BUY, 101, 8)
    assert [(t.maker_id, t.qty) for t in result.trades] == [(1, 3), (2, 4), (3, 1)]
    resting = book.resting_order(3)
    assert resting is not None
    assert resting.qty == 4
    assert book.queue_position(3) == 0


def test_queue_position_counts_visible_qty_ahead() -> None:
    book = OrderBook()
    book.add(1, BUY, 100, 3)
    book.add(2, BUY, 100, 4)
    book.add(3, BUY, 100, 5)
    assert [book.queue_position(i) for i in (1, 2, 3)] == [0, 3, 7]


def test_queue_position_of_unknown_order_raises_key_error() -> None:
    book = OrderBook()
    try:
        book.queue_position(42)
    except KeyError:
        return
    raise AssertionError("expected KeyError")


def test_resting_order_is_a_snapshot() -> None:
    book = OrderBook()
    book.submit(1, BUY, 100, 10, account="acct")
    snap = book.resting_order(1)
    assert snap is not None
    assert (snap.order_id, snap.side, snap.price, snap.qty, snap.hidden_qty) == (1, 1, 100, 10, 0)
    assert (snap.account, snap.display_qty) == ("acct", None)
    snap.qty = 999
    assert book.level_size(BUY, 100) == 10
    assert book.resting_order(2) is None
    assert "RestingOrder(order_id=1" in repr(snap)


def test_level_orders_lists_queue_front_first() -> None:
    book = OrderBook()
    book.add(1, BUY, 100, 3)
    book.add(2, BUY, 100, 4)
    assert [o.order_id for o in book.level_orders(BUY, 100)] == [1, 2]
    assert book.level_orders(SELL, 100) == []


def test_order_id_can_be_reused_after_it_left_the_book() -> None:
    book = OrderBook()
    book.add(1, BUY, 100, 3)
    book.cancel(1)
    assert book.add(1, BUY, 100, 3).accepted


def test_reject_duplicate_live_order_id() -> None:
    book = _book()
    result = book.add(1, BUY, 98, 5)
    assert not result.accepted
    assert result.reject_reason is RejectReason.DUPLICATE_ORDER_ID
    assert book.submit(3, SELL, 105, 5).reject_reason is RejectReason.DUPLICATE_ORDER_ID
    assert book.market(4, BUY, 5).reject_reason is RejectReason.DUPLICATE_ORDER_ID
    assert book.depth(5) == ([(100, 10), (99, 20)], [(101, 5), (102, 7)])


def test_reject_invalid_qty() -> None:
    book = OrderBook()
    for qty in (0, -5):
        result = book.add(1, BUY, 100, qty)
        assert result.reject_reason is RejectReason.INVALID_QTY
        assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (0, 0, 0)
    assert book.submit(1, BUY, 100, 0).reject_reason is RejectReason.INVALID_QTY
    assert book.market(1, BUY, 0).reject_reason is RejectReason.INVALID_QTY
    assert len(book) == 0


def test_reject_invalid_price() -> None:
    book = OrderBook()
    assert book.submit(1, BUY, None, 10).reject_reason is RejectReason.INVALID_PRICE
    assert book.submit(1, BUY, 0, 10).reject_reason is RejectReason.INVALID_PRICE
    assert book.add(1, SELL, -3, 10).reject_reason is RejectReason.INVALID_PRICE
    assert len(book) == 0


def test_reject_invalid_side() -> None:
    book = OrderBook()
    assert book.add(1, 0, 100, 10).reject_reason is RejectReason.INVALID_SIDE
    assert book.market(1, 2, 10).reject_reason is RejectReason.INVALID_SIDE
    assert book.submit(1, 0, 100, 10).reject_reason is RejectReason.INVALID_SIDE  # type: ignore[arg-type]
    assert len(book) == 0


def test_submit_limit_matches_like_add() -> None:
    via_add, via_submit = _book(), _book()
    assert via_add.add(10, BUY, 102, 15).trades == via_submit.submit(10, BUY, 102, 15).trades
    assert via_add.depth(5) == via_submit.depth(5)


def test_shared_results_are_equal_for_equal_outcomes() -> None:
    book = OrderBook()
    first = book.add(1, BUY, 100, 10)
    second = book.add(2, BUY, 99, 10)
    assert first == second == BookResult(True, None, [], 0, 10, 0, [], [], [])
