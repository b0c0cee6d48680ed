"""Self-trade prevention by account: cancel newest, oldest or both."""

from __future__ import annotations

from sim.core import OrderBook, SelfTradePrevention, Side, TimeInForce

BUY, SELL = Side.BUY, Side.SELL


def _book(mode: SelfTradePrevention) -> OrderBook:
    """Asks at 101: id 1 x3 (acct "other"), id 2 x4 (acct "me"), id 3 x5 (acct "other")."""
    book = OrderBook(self_trade_prevention=mode)
    book.submit(1, SELL, 101, 3, account="other")
    book.submit(2, SELL, 101, 4, account="me")
    book.submit(3, SELL, 101, 5, account="other")
    return book


def test_without_prevention_own_orders_trade() -> None:
    book = _book(SelfTradePrevention.NONE)
    result = book.submit(9, BUY, 101, 10, account="me")
    assert [(t.maker_id, t.qty, t.maker_account, t.taker_account) for t in result.trades] == [
        (1, 3, "other", "me"),
        (2, 4, "me", "me"),
        (3, 3, "other", "me"),
    ]


def test_cancel_newest_cancels_the_incoming_remainder() -> None:
    book = _book(SelfTradePrevention.CANCEL_NEWEST)
    result = book.submit(9, BUY, 101, 10, account="me")
    assert result.accepted
    assert [(t.maker_id, t.qty) for t in result.trades] == [(1, 3)]
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (3, 0, 7)
    assert result.cancelled_orders == []
    assert [o.order_id for o in book.level_orders(SELL, 101)] == [2, 3]


def test_cancel_oldest_cancels_the_resting_order_and_continues() -> None:
    book = _book(SelfTradePrevention.CANCEL_OLDEST)
    result = book.submit(9, BUY, 101, 10, account="me")
    assert [(t.maker_id, t.qty) for t in result.trades] == [(1, 3), (3, 5)]
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (8, 2, 0)
    assert result.cancelled_orders == [(2, 4)]
    assert 2 not in book
    assert book.best_bid() == 101


def test_cancel_both_cancels_resting_and_incoming() -> None:
    book = _book(SelfTradePrevention.CANCEL_BOTH)
    result = book.submit(9, BUY, 101, 10, account="me")
    assert [(t.maker_id, t.qty) for t in result.trades] == [(1, 3)]
    assert (result.filled_qty, result.resting_qty, result.cancelled_qty) == (3, 0, 7)
    assert result.cancelled_orders == [(2, 4)]
    assert [o.order_id for o in book.level_orders(SELL, 101)] == [3]


def test_orders_without_account_never_self_trade() -> None:
    book = OrderBook(self_trade_prevention=SelfTradePrevention.CANCEL_NEWEST)
    book.add(1, SELL, 101, 3)
    assert book.add(9, BUY, 101, 3).filled_qty == 3


def test_fok_with_cancel_newest_counts_only_liquidity_before_own_order() -> None:
    book = _book(SelfTradePrevention.CANCEL_NEWEST)
    refused = book.submit(9, BUY, 101, 4, tif=TimeInForce.FOK, account="me")
    assert not refused.accepted
    assert book.level_size(SELL, 101) == 12
    result = book.submit(9, BUY, 101, 3, tif=TimeInForce.FOK, account="me")
    assert result.filled_qty == 3


def test_fok_with_cancel_oldest_skips_own_orders() -> None:
    book = _book(SelfTradePrevention.CANCEL_OLDEST)
    assert not book.submit(9, BUY, 101, 9, tif=TimeInForce.FOK, account="me").accepted
    assert 2 in book
    result = book.submit(9, BUY, 101, 8, tif=TimeInForce.FOK, account="me")
    assert result.filled_qty == 8
    assert result.cancelled_orders == [(2, 4)]
