"""L2 book: levels set the view exactly, only trades fill, queue models move as computed by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.core.l2_book import L2Book
from sim.core.orders import Side
from sim.core.queue_models import (
    RISK_AVERSE,
    ProbQueueModel,
    QueueModel,
    QueuePosition,
    log_form,
    power_form,
    queue_model,
)

BUY, SELL = Side.BUY, Side.SELL
ME = 1
"""Book id of the model order in these tests."""


def book_with(model: QueueModel) -> L2Book:
    return L2Book("BTC", lambda _order_id: model)


def test_level_rows_set_the_view_exactly_and_never_fill() -> None:
    book = book_with(RISK_AVERSE)
    book.set_level(BUY, 100, 7)
    book.set_level(BUY, 99, 4)
    book.set_level(SELL, 102, 5)
    assert (book.best_bid(), book.best_ask()) == (100, 102)
    assert (book.level_size(BUY, 100), book.level_size(SELL, 102)) == (7, 5)
    book.add(ME, BUY, 100, 3)  # joins behind the 7 shown at 100
    assert book.level_size(BUY, 100) == 10  # history plus the model order
    assert book.positions[ME].ahead == 7
    book.set_level(BUY, 100, 0)  # the level empties (cancels): no fill
    book.set_level(SELL, 100, 9)  # an ask appears at the order's price: still none
    book.set_level(SELL, 99, 9)   # and through it
    mine = book.resting_order(ME)
    assert mine is not None
    assert mine.qty == 3
    assert (book.best_bid(), book.best_ask()) == (100, 99)  # the view may cross
    book.set_level(SELL, 99, 0)
    assert book.best_ask() == 100
    assert book.history_qty(BUY, 100) == 0
    assert book.history_qty(BUY, 99) == 4


def test_a_trade_fills_only_past_the_volume_ahead_and_through_better_prices() -> None:
    book = book_with(RISK_AVERSE)
    book.set_level(BUY, 100, 5)
    book.add(ME, BUY, 101, 4)      # better than history: nothing ahead
    book.add(2, BUY, 100, 6)       # behind the 5 at 100
    [through] = book.trade(BUY, 100, 3)  # a seller hit 100: it passed 101 first
    assert (through.trades[0].maker_id, through.filled_qty) == (ME, 3)
    assert book.positions[2].ahead == 2  # and 3 of the 5 ahead at 100 traded
    [rest] = book.trade(BUY, 100, 2)  # fills the 1 left at 101, and 2 more trade at 100
    assert (rest.trades[0].maker_id, rest.filled_qty) == (ME, 1)
    assert book.positions[2].ahead == 0  # exactly the volume ahead: no fill yet
    [fill] = book.trade(BUY, 100, 4)
    assert (fill.trades[0].maker_id, fill.trades[0].qty, fill.trades[0].taker_id) == (2, 4, 0)
    assert book.trade(SELL, 100, 50) == []  # a trade on the other side moves nothing


def test_a_crossing_model_order_takes_history_price_by_price() -> None:
    book = book_with(RISK_AVERSE)
    book.set_level(SELL, 101, 2)
    book.set_level(SELL, 102, 5)
    result = book.add(ME, BUY, 102, 4)
    assert [(t.price, t.qty, t.maker_id) for t in result.trades] == [(101, 2, 0), (102, 2, 0)]
    assert (result.filled_qty, result.resting_qty) == (4, 0)
    assert (book.best_ask(), book.level_size(SELL, 102)) == (102, 3)  # until the next row
    book.set_level(SELL, 102, 5)
    assert book.level_size(SELL, 102) == 5  # history stays authoritative
    post = book.submit(2, BUY, 102, 1, post_only=True)
    assert str(post.reject_reason) == "post_only_would_cross"


FLOW: list[tuple[str, int]] = [("level", 16), ("level", 12), ("trade", 9), ("trade", 2)]
"""At bid 100, after the order (3 lots) joined behind 10: +6 join, -4 cancelled, trades."""


def replay(model: QueueModel) -> tuple[list[float], list[int]]:
    book = book_with(model)
    book.set_level(BUY, 100, 10)
    book.add(ME, BUY, 100, 3)
    aheads, fills = [], []
    for kind, qty in FLOW:
        if kind == "level":
            book.set_level(BUY, 100, qty)
            fills.append(0)
        else:
            fills.append(sum(result.filled_qty for result in book.trade(BUY, 100, qty)))
        position = book.positions.get(ME)
        aheads.append(position.ahead if position else math.nan)
    return aheads, fills


def test_hand_computed_positions_and_fills_of_each_model() -> None:
    # risk-averse: the 4 cancelled are behind; 9 + 2 traded against 10 ahead: 1 fills
    aheads, fills = replay(RISK_AVERSE)
    assert aheads[:3] == [10, 10, 1]
    assert fills == [0, 0, 0, 1]
    # power n=2: p = 6^2 / (6^2 + 10^2) = 36/136 behind; ahead = 10 - (100/136) * 4
    power = queue_model("prob_power", 2)
    aheads, fills = replay(power)
    assert aheads[1] == pytest.approx(10 - 4 * 100 / 136)  # 7.0588
    assert aheads[2] == pytest.approx(10 - 4 * 100 / 136 - 9)  # -1.94: 1 lot fills
    assert fills == [0, 0, 1, 2]  # then the 2 traded fill the order's other 2
    # log: p = ln 7 / (ln 7 + ln 11); ahead = 10 - (1 - p) * 4 = 7.792
    p = math.log(7) / (math.log(7) + math.log(11))
    aheads, fills = replay(queue_model("prob_log"))
    assert aheads[1] == pytest.approx(10 - (1 - p) * 4)
    assert aheads[2] == pytest.approx(10 - (1 - p) * 4 - 9)  # -1.208: 1 lot fills
    assert fills == [0, 0, 1, 2]


def test_a_decrease_explained_by_trades_is_not_a_cancel() -> None:
    model = ProbQueueModel("prob_log", log_form)
    position = QueuePosition(10.0)
    model.on_trade(position, 4)   # 4 traded: 6 ahead
    model.on_level_change(position, 20, 16)  # the level fell by exactly the trade
    assert (position.ahead, position.traded) == (6.0, 0)
    assert model.probability_behind(0, 0) == 1.0  # nothing either side: never ahead
    assert ProbQueueModel("p", power_form(2)).probability_behind(3, 4) == 16 / 25


EVENTS = st.lists(st.tuples(st.sampled_from(["level", "trade"]), st.integers(0, 40)),
                  max_size=40)


@settings(max_examples=150, deadline=None)
@given(EVENTS, st.integers(1, 30), st.integers(1, 10))
def test_risk_averse_never_fills_earlier_than_probabilistic(
        flow: list[tuple[str, int]], start: int, size: int) -> None:
    """On the same flow, each probabilistic model's cumulative fill is at least risk-averse's."""
    filled: dict[str, list[int]] = {}
    for model in (RISK_AVERSE, queue_model("prob_power", 3), queue_model("prob_power", 0.5),
                  queue_model("prob_log")):
        book = book_with(model)
        book.set_level(BUY, 100, start)
        book.add(ME, BUY, 100, size)
        total, path = 0, []
        for kind, qty in flow:
            if kind == "level":
                book.set_level(BUY, 100, qty)
            elif qty:
                total += sum(result.filled_qty for result in book.trade(BUY, 100, qty))
            path.append(total)
        filled[model.name + str(id(model))] = path
    risk, *others = filled.values()
    for path in others:
        assert all(r <= o for r, o in zip(risk, path, strict=True))
