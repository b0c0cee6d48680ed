"""Book deltas: net visible size per touched level, only when recording is on."""

from __future__ import annotations

from sim.core import BookDelta, OrderBook, OrderType, Side

BUY, SELL = Side.BUY, Side.SELL


def test_deltas_are_empty_unless_recording() -> None:
    book = OrderBook()
    assert book.add(1, BUY, 100, 5).deltas == []
    assert book.market(2, SELL, 2).deltas == []


def test_add_and_cancel_report_level_size() -> None:
    book = OrderBook(record_deltas=True)
    assert book.add(1, BUY, 100, 5).deltas == [BookDelta(BUY, 100, 5)]
    assert book.add(2, BUY, 100, 3).deltas == [BookDelta(BUY, 100, 8)]
    assert book.cancel(1, 2).deltas == [BookDelta(BUY, 100, 6)]
    assert book.cancel(1).deltas == [BookDelta(BUY, 100, 3)]
    assert book.cancel(2).deltas == [BookDelta(BUY, 100, 0)]


def test_sweep_reports_each_level_once_in_touch_order() -> None:
    book = OrderBook(record_deltas=True)
    book.add(1, SELL, 101, 2)
    book.add(2, SELL, 102, 2)
    result = book.add(9, BUY, 102, 5)
    assert result.deltas == [
        BookDelta(SELL, 101, 0),
        BookDelta(SELL, 102, 0),
        BookDelta(BUY, 102, 1),
    ]


def test_execute_modify_and_stops_report_deltas() -> None:
    book = OrderBook(record_deltas=True)
    book.add(1, SELL, 101, 5)
    book.add(2, BUY, 99, 5)
    assert book.execute(1, 2).deltas == [BookDelta(SELL, 101, 3)]
    assert book.modify(2, 98, 5).deltas == [BookDelta(BUY, 99, 0), BookDelta(BUY, 98, 5)]
    assert book.modify(2, 98, 4).deltas == [BookDelta(BUY, 98, 4)]
    book.submit(3, BUY, None, 1, order_type=OrderType.STOP, stop_price=101)
    result = book.execute(1, 1)
    assert result.triggered_stop_ids == [3]
    assert result.deltas == [BookDelta(SELL, 101, 1)]
