"""The book's state layer: queries change nothing, snapshots are copies, pickles round-trip."""

from __future__ import annotations

import pickle

from sim.core import (
    BookResult,
    OrderBook,
    OrderType,
    RestingOrder,
    SelfTradePrevention,
    Side,
)
from sim.core.book_image import book_image

BUY, SELL = Side.BUY, Side.SELL


def _busy_book() -> OrderBook:
    """Two bid levels (one iceberg), two ask levels, one held buy stop at 102."""
    book = OrderBook(
        "TEST", record_deltas=True, self_trade_prevention=SelfTradePrevention.CANCEL_OLDEST
    )
    book.add(1, BUY, 100, 10)
    book.submit(2, BUY, 100, 30, display_qty=5, account="a")
    book.add(3, BUY, 99, 20)
    book.add(4, SELL, 101, 5)
    book.add(5, SELL, 102, 7)
    book.submit(6, BUY, 104, 4, order_type=OrderType.STOP_LIMIT, stop_price=102)
    book.execute(1, 4)  # partial fill: order 1 keeps 6 at the front
    return book


def _fields(order: RestingOrder | None) -> tuple[object, ...]:
    """A resting order's fields, comparable by value."""
    assert order is not None
    return (
        order.order_id,
        order.side,
        order.price,
        order.qty,
        order.hidden_qty,
        order.account,
        order.display_qty,
    )


def _ask_everything(book: OrderBook) -> tuple[object, ...]:
    """Every read-only query the book answers, for the state above."""
    return (
        book.best_bid(),
        book.best_ask(),
        book.depth(10),
        book.level_size(BUY, 100),
        book.level_size(SELL, 90),
        [_fields(order) for order in book.level_orders(BUY, 100)],
        book.queue_position(2),
        _fields(book.resting_order(2)),
        book.resting_order(42),
        book.stop_order(6),
        book.stop_count,
        2 in book,
        6 in book,
        len(book),
    )


def _next_results(book: OrderBook) -> list[BookResult]:
    """Trade through the asks (triggering the stop), then hit the bids."""
    return [
        book.add(7, BUY, 103, 15),
        book.submit(8, SELL, None, 25, order_type=OrderType.MARKET, account="a"),
        book.cancel(3, 5),
    ]


def test_queries_answer_from_the_state_and_change_nothing() -> None:
    book = _busy_book()
    before = book_image(book)
    answers = _ask_everything(book)
    assert answers == (
        100,
        101,
        ([(100, 11), (99, 20)], [(101, 5), (102, 7)]),
        11,
        0,
        [(1, 1, 100, 6, 0, None, None), (2, 1, 100, 5, 25, "a", 5)],
        6,
        (2, 1, 100, 5, 25, "a", 5),
        None,
        book.stop_order(6),
        1,
        True,
        False,
        5,
    )
    assert answers == _ask_everything(book)
    assert book_image(book) == before
    assert _next_results(book) == _next_results(_busy_book())


def test_snapshots_are_copies_the_caller_may_change() -> None:
    book = _busy_book()
    snapshot = book.resting_order(2)
    assert snapshot is not None
    snapshot.qty = 999
    book.level_orders(BUY, 100)[0].qty = 999
    assert book.level_size(BUY, 100) == 11
    assert [order.qty for order in book.level_orders(BUY, 100)] == [6, 5]


def test_pickled_book_round_trips_and_trades_like_the_original() -> None:
    book = _busy_book()
    copy = pickle.loads(pickle.dumps(book, pickle.HIGHEST_PROTOCOL))
    assert type(copy) is OrderBook
    assert (copy.symbol, copy.record_deltas, copy.self_trade_prevention) == (
        "TEST",
        True,
        SelfTradePrevention.CANCEL_OLDEST,
    )
    assert book_image(copy) == book_image(book)
    results = _next_results(copy)
    assert results == _next_results(book)
    assert results[0].triggered_stop_ids == [6]  # the held stop survived the pickle and fired
    assert book_image(copy) == book_image(book)
