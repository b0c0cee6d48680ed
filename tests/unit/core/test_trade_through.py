"""The trade-through fill rule for model orders resting in a replayed book."""

from __future__ import annotations

from sim.core.book import OrderBook
from sim.core.trade_through import fill_ahead

MODEL = 100
"""Book ids up to 100 are model orders; history's start at 101."""


def level(book: OrderBook) -> list[tuple[int, int]]:
    return [(order.order_id, order.qty) for order in book.level_orders(1, 1000)]


def test_nothing_is_filled_when_no_model_order_is_ahead() -> None:
    book = OrderBook("X")
    book.add(101, 1, 1000, 5)
    book.add(1, 1, 1000, 3)  # behind 101
    assert fill_ahead(book, 101, 5, MODEL) == []
    assert level(book) == [(101, 5), (1, 3)]


def test_a_model_order_at_the_back_fills_only_once_the_volume_ahead_is_gone() -> None:
    book = OrderBook("X")
    book.add(101, 1, 1000, 5)
    book.add(102, 1, 1000, 4)
    book.add(1, 1, 1000, 3)  # joins the back: 9 shares ahead
    book.add(103, 1, 1000, 6)  # history's order behind it
    assert book.queue_position(1) == 9
    # history executes 101 and cancels 102: the volume ahead is gone, nothing filled yet
    assert fill_ahead(book, 101, 5, MODEL) == []
    book.execute(101, 5)
    book.cancel(102)
    assert book.queue_position(1) == 0
    assert level(book) == [(1, 3), (103, 6)]
    # an aggressor that history shows hitting 103 traded through the model order first
    (result,) = fill_ahead(book, 103, 4, MODEL)
    assert (result.trades[0].maker_id, result.trades[0].qty, result.trades[0].taker_id) == (1, 3, 0)
    assert level(book) == [(103, 6)]


def test_a_model_order_at_the_front_is_filled_first_up_to_the_execution_size() -> None:
    book = OrderBook("X")
    book.add(1, 1, 1000, 10)
    book.add(2, 1, 1000, 10)
    book.add(101, 1, 1000, 7)
    results = fill_ahead(book, 101, 12, MODEL)
    assert [(r.trades[0].maker_id, r.filled_qty) for r in results] == [(1, 10), (2, 2)]
    assert level(book) == [(2, 8), (101, 7)]  # history's order is left for the data's execute


def test_a_model_order_at_a_better_price_is_traded_through_first() -> None:
    book = OrderBook("X")
    book.add(1, 1, 1001, 4)   # the model bids one tick better than history
    book.add(101, 1, 1000, 10)
    (result,) = fill_ahead(book, 101, 6, MODEL)  # a seller hit 1000: it passed 1001 first
    assert (result.trades[0].maker_id, result.trades[0].price, result.filled_qty) == (1, 1001, 4)
    assert book.best_bid() == 1000
    assert level(book) == [(101, 10)]
