"""Market, IOC, FOK and post-only orders."""

from __future__ import annotations

from sim.core import OrderBook, OrderType, RejectReason, Side, TimeInForce, Trade

BUY, SELL = Side.BUY, Side.SELL
IOC, FOK = TimeInForce.IOC, TimeInForce.FOK


def _asks() -> OrderBook:
    """Asks 101x5 (id 1), 102x7 (id 2), 103x10 (id 3)."""
    book = OrderBook()
    book.add(1, SELL, 101, 5)
    book.add(2, SELL, 102, 7)
    book.add(3, SELL, 103, 10)
    return book


def test_market_order_sweeps_levels_and_never_rests() -> None:
    book = _asks()
    result = book.market(9, BUY, 30)
    assert result.accepted
    assert result.trades == [
        Trade(101, 5, 1, 9, BUY, None, None),
        Trade(102, 7, 2, 9, BUY, None, None),
        Trade(103, 10, 3, 9, BUY, None, None),
    ]
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (22, 0, 8)
    assert 9 not in book
    assert book.best_ask() is None


def test_market_partial_level_leaves_maker_remainder() -> None:
    book = _asks()
    result = book.market(9, BUY, 8)
    assert [(t.price, t.qty, t.maker_id) for t in result.trades] == [(101, 5, 1), (102, 3, 2)]
    assert result.cancelled_qty == 0
    assert book.depth(5)[1] == [(102, 4), (103, 10)]


def test_market_on_empty_side_is_accepted_and_fully_cancelled() -> None:
    book = OrderBook()
    book.add(1, BUY, 100, 5)
    result = book.market(9, BUY, 10)
    assert result.accepted
    assert result.reject_reason is None
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (0, 0, 10)
    assert book.submit(10, SELL, None, 7, order_type=OrderType.MARKET).filled_qty == 5


def test_submit_market_ignores_price() -> None:
    book = _asks()
    result = book.submit(9, BUY, 1, 6, order_type=OrderType.MARKET)
    assert [(t.price, t.qty) for t in result.trades] == [(101, 5), (102, 1)]


def test_ioc_fills_what_it_can_and_cancels_the_rest() -> None:
    book = _asks()
    result = book.submit(9, BUY, 102, 20, tif=IOC)
    assert [(t.price, t.qty) for t in result.trades] == [(101, 5), (102, 7)]
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (12, 0, 8)
    assert 9 not in book
    assert book.best_bid() is None


def test_ioc_that_does_not_cross_is_cancelled_in_full() -> None:
    book = _asks()
    result = book.submit(9, BUY, 100, 20, tif=IOC)
    assert result.accepted
    assert (result.filled_qty, result.cancelled_qty) == (0, 20)


def test_fok_fills_completely_when_enough_within_limit() -> None:
    book = _asks()
    result = book.submit(9, BUY, 102, 12, tif=FOK)
    assert result.accepted
    assert [(t.price, t.qty) for t in result.trades] == [(101, 5), (102, 7)]
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (12, 0, 0)


def test_reject_fok_not_fillable_leaves_book_untouched() -> None:
    book = _asks()
    result = book.submit(9, BUY, 102, 13, tif=FOK)
    assert not result.accepted
    assert result.reject_reason is RejectReason.FOK_NOT_FILLABLE
    assert result.trades == []
    assert result.filled_qty == 0
    assert book.depth(5)[1] == [(101, 5), (102, 7), (103, 10)]


def test_fok_market_fills_all_or_nothing() -> None:
    book = _asks()
    reject = book.submit(9, BUY, None, 23, order_type=OrderType.MARKET, tif=FOK)
    assert reject.reject_reason is RejectReason.FOK_NOT_FILLABLE
    result = book.submit(9, BUY, None, 22, order_type=OrderType.MARKET, tif=FOK)
    assert result.filled_qty == 22
    assert book.best_ask() is None


def test_fok_counts_iceberg_hidden_quantity() -> None:
    book = OrderBook()
    book.submit(1, SELL, 101, 10, display_qty=2)
    result = book.submit(9, BUY, 101, 10, tif=FOK)
    assert result.filled_qty == 10
    assert [t.qty for t in result.trades] == [2, 2, 2, 2, 2]
    assert len(book) == 0


def test_post_only_rests_when_it_does_not_cross() -> None:
    book = _asks()
    result = book.submit(9, BUY, 100, 5, post_only=True)
    assert result.accepted
    assert result.resting_qty == 5
    assert book.best_bid() == 100


def test_reject_post_only_would_cross() -> None:
    book = _asks()
    result = book.submit(9, BUY, 101, 5, post_only=True)
    assert not result.accepted
    assert result.reject_reason is RejectReason.POST_ONLY_WOULD_CROSS
    assert 9 not in book
    assert book.level_size(SELL, 101) == 5
    sell = book.submit(10, SELL, 99, 5, post_only=True)
    assert sell.accepted
    assert book.submit(11, BUY, 99, 1, post_only=True).reject_reason is (
        RejectReason.POST_ONLY_WOULD_CROSS
    )


def test_reject_invalid_post_only_on_non_resting_orders() -> None:
    book = _asks()
    assert book.submit(9, BUY, 100, 5, tif=IOC, post_only=True).reject_reason is (
        RejectReason.INVALID_POST_ONLY
    )
    market = book.submit(9, BUY, None, 5, order_type=OrderType.MARKET, post_only=True)
    assert market.reject_reason is RejectReason.INVALID_POST_ONLY
    stop = book.submit(
        9, BUY, 100, 5, order_type=OrderType.STOP_LIMIT, stop_price=104, post_only=True
    )
    assert stop.reject_reason is RejectReason.INVALID_POST_ONLY
