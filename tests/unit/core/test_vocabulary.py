"""The one vocabulary: pinned codes, labels that round-trip, every emitted reason a member."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core import OrderBook, OrderType, Side, TimeInForce
from sim.core.pretrade import CHECK_ORDER
from sim.core.results import REJECTED
from sim.core.vocabulary import (
    BOOK_REASONS,
    CLIENT_ACTIONS,
    NEVER,
    NEW_ORDER_ACTIONS,
    RISK_REASONS,
    LabelledEnum,
    OrderAction,
    Outcome,
    RejectReason,
)
from sim.model.recorder import MATCHING, NULL, OrderRecorder
from sim.model.server import QUEUE_FULL
from sim.report.budget_names import reject_reasons

BUY, SELL = Side.BUY, Side.SELL

PINNED: dict[type[LabelledEnum], dict[str, int]] = {
    OrderAction: {"add": 0, "cancel": 1, "modify": 2, "market": 3, "execute": 4, "trade": 5},
    Outcome: {"filled": 0, "partial": 1, "resting": 2, "cancelled": 3, "rejected": 4,
              "accepted": 5},
    RejectReason: {
        "duplicate_order_id": 0, "unknown_order": 1, "invalid_side": 2, "invalid_qty": 3,
        "invalid_price": 4, "invalid_stop_price": 5, "invalid_display_qty": 6,
        "invalid_post_only": 7, "post_only_would_cross": 8, "fok_not_fillable": 9,
        "order_not_resting": 10, "kill_switch": 11, "trading_halted": 12,
        "max_order_qty": 13, "max_notional": 14, "price_collar": 15, "position_limit": 16,
        "credit_limit": 17, "order_rate": 18, "queue_full": 19, "rate_limited": 20,
    },
}
"""Every label and its code. numpy event columns, recorder columns and the write-ahead
journal hold these numbers: change one only with a migration of everything stored."""


@pytest.mark.parametrize("enum", list(PINNED))
def test_codes_are_pinned_numbers(enum: type[LabelledEnum]) -> None:
    assert {member.label: int(member) for member in enum} == PINNED[enum]


@pytest.mark.parametrize("enum", list(PINNED))
def test_labels_round_trip_and_index_by_code(enum: type[LabelledEnum]) -> None:
    for member in enum:
        assert enum.parse(member.label) is member
        assert str(member) == member.label
        assert f"rejected.{member}" == f"rejected.{member.label}"
        assert enum.labels()[member] == member.label
        assert enum.members()[member] is member


@pytest.mark.parametrize("text", ["ADD", "Add", "add ", "", "replace"])
def test_parse_takes_exact_labels_only(text: str) -> None:
    with pytest.raises(ValueError, match="unknown OrderAction"):
        OrderAction.parse(text)


def test_action_groups() -> None:
    assert sorted(NEW_ORDER_ACTIONS) == [OrderAction.ADD, OrderAction.MARKET]
    assert set(OrderAction) - CLIENT_ACTIONS == {OrderAction.EXECUTE, OrderAction.TRADE}


def _book_rejects() -> list[RejectReason | None]:
    """One operation per reason a book can refuse for."""
    book = OrderBook("TEST")
    book.add(1, SELL, 101, 5)
    book.submit(2, BUY, 103, 5, order_type=OrderType.STOP_LIMIT, stop_price=102)
    return [result.reject_reason for result in (
        book.add(1, BUY, 90, 1),
        book.cancel(77, 5),
        book.add(3, 0, 100, 10),
        book.add(3, BUY, 100, 0),
        book.add(3, BUY, -3, 10),
        book.submit(3, BUY, None, 5, order_type=OrderType.STOP),
        book.submit(3, BUY, 100, 10, display_qty=0),
        book.submit(3, BUY, None, 5, order_type=OrderType.MARKET, post_only=True),
        book.submit(3, BUY, 101, 5, post_only=True),
        book.submit(3, BUY, 101, 6, tif=TimeInForce.FOK),
        book.modify(2, 104, 5),
    )]


def test_every_book_reject_is_a_book_reason_and_each_occurs() -> None:
    reasons = _book_rejects()
    assert reasons == sorted(BOOK_REASONS)
    assert set(REJECTED) == BOOK_REASONS


def test_every_stage_reason_is_a_member() -> None:
    """Risk's checks, a full queue and the rate limit; the budget vocabulary lists them all."""
    assert list(CHECK_ORDER) == sorted(RISK_REASONS)
    assert QUEUE_FULL is RejectReason.QUEUE_FULL
    assert set(RejectReason) == BOOK_REASONS | RISK_REASONS | {
        RejectReason.QUEUE_FULL, RejectReason.RATE_LIMITED}
    assert reject_reasons() == tuple(sorted(PINNED[RejectReason]))


def test_recorder_writes_labels_from_fixed_codes() -> None:
    """Codes go in, the same strings as before come out (digests do not change)."""
    recorder = OrderRecorder(3, ["clients"])
    recorder.symbol_code("AAA")
    actions = np.array([OrderAction.ADD, OrderAction.MARKET, OrderAction.CANCEL], np.int8)
    recorder.append_orders(0, np.zeros(3, np.int64), np.zeros(3, np.int32), actions,
                           np.arange(3, dtype=np.int64), np.ones(3, np.int8),
                           np.full(3, 100, np.int64), np.full(3, 5, np.int64))
    recorder.reject(1, MATCHING, RejectReason.FOK_NOT_FILLABLE)
    recorder.reject(2, MATCHING, RejectReason.UNKNOWN_ORDER)
    assert recorder.columns["reject_reason"].tolist() == [-1, 9, 1]
    table = recorder.to_arrow()
    assert table.column("action").to_pylist() == ["add", "market", "cancel"]
    assert table.column("reject_reason").to_pylist() == [None, "fok_not_fillable",
                                                         "unknown_order"]
    assert table.column("outcome").to_pylist() == [None, "rejected", "rejected"]


def test_never_is_the_int64_minimum_and_the_recorders_null() -> None:
    assert NEVER == int(np.iinfo(np.int64).min) == NULL
    assert np.array([NEVER], dtype=np.int64)[0] == NEVER
