"""One vocabulary for what an order does, how it ended and why it was refused.

Every layer speaks these enums: the data reader, generator and importers, the
feed, the recorder's code columns, the matching dispatch, the pre-trade checks
and every stage's refusals. Strings appear only at the edges (the Parquet
``action`` column, output tables, counter keys such as ``rejected.queue_full``)
and are each member's ``label``, its lower-cased name; ``str()`` and f-strings
give the label too, as the ``StrEnum`` s these replace did, so files, digests and
counter keys are byte-identical.

The codes are pinned numbers (``tests/unit/core/test_vocabulary.py``): numpy
event and recorder columns, and the write-ahead journal, hold them. Codes run
``0 .. n-1`` in declaration order, so ``labels()[code]`` decodes a column and
``members()[code]`` turns a plain int into its member without calling the enum
(a tuple index costs about 40 ns, ``OrderAction(code)`` about 800 ns).

Hot paths bind the members they compare against to module globals once: an enum
class attribute lookup (``OrderAction.ADD``) costs about 100 ns on Python 3.11.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final, Self


class LabelledEnum(IntEnum):
    """An ``IntEnum`` whose members also carry a stable lower-case string label."""

    label: str
    """The member's canonical string: its lower-cased name."""

    def __init__(self, *_args: object) -> None:
        self.label = self._name_.lower()

    def __str__(self) -> str:
        return self.label

    def __format__(self, spec: str) -> str:
        return format(self.label, spec)

    @classmethod
    def parse(cls, label: str) -> Self:
        """The member whose label is exactly ``label``.

        Raises:
            ValueError: no member has that label.
        """
        member = cls.__members__.get(label.upper())
        if member is None or member.label != label:
            raise ValueError(f"unknown {cls.__name__} {label!r} "
                             f"(expected one of {', '.join(cls.labels())})")
        return member

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        """Every label, indexed by code."""
        return tuple(member.label for member in cls)

    @classmethod
    def members(cls) -> tuple[Self, ...]:
        """Every member, indexed by code (decodes a plain int without calling the enum)."""
        return tuple(cls)


class OrderAction(LabelledEnum):
    """What a row of the canonical stream (or a client request) does to a book.

    See :func:`sim.core.replay.apply_event` for the meaning of each action.
    """

    ADD = 0
    CANCEL = 1
    MODIFY = 2
    MARKET = 3
    EXECUTE = 4
    TRADE = 5


CLIENT_ACTIONS: Final[frozenset[OrderAction]] = frozenset(
    {OrderAction.ADD, OrderAction.CANCEL, OrderAction.MODIFY, OrderAction.MARKET}
)
"""Actions a full-route source sends through the platform as client requests
(``execute`` and ``trade`` are venue history: applied to the books, or only counted)."""
NEW_ORDER_ACTIONS: Final[frozenset[OrderAction]] = frozenset(
    {OrderAction.ADD, OrderAction.MARKET}
)
"""Actions that create an order (the rest amend one): what fill and reject rates count."""


class Outcome(LabelledEnum):
    """How a request ended, as the orders table's ``outcome`` column says."""

    FILLED = 0
    PARTIAL = 1
    RESTING = 2
    CANCELLED = 3
    REJECTED = 4
    ACCEPTED = 5
    """A cancel or modify the book carried out (it creates no order of its own)."""


class RejectReason(LabelledEnum):
    """Why a request was refused, by any stage or by a book (nothing changed then).

    Book (:mod:`sim.core.book`), pre-trade checks (:mod:`sim.core.pretrade`, in
    check order), then the stages' own: a full queue (every stage) and the
    gateway's rate limit. A failover loses and resends messages; it refuses none.
    """

    DUPLICATE_ORDER_ID = 0
    UNKNOWN_ORDER = 1
    INVALID_SIDE = 2
    INVALID_QTY = 3
    INVALID_PRICE = 4
    INVALID_STOP_PRICE = 5
    INVALID_DISPLAY_QTY = 6
    INVALID_POST_ONLY = 7
    POST_ONLY_WOULD_CROSS = 8
    FOK_NOT_FILLABLE = 9
    ORDER_NOT_RESTING = 10
    KILL_SWITCH = 11
    TRADING_HALTED = 12
    MAX_ORDER_QTY = 13
    MAX_NOTIONAL = 14
    PRICE_COLLAR = 15
    POSITION_LIMIT = 16
    CREDIT_LIMIT = 17
    ORDER_RATE = 18
    QUEUE_FULL = 19
    RATE_LIMITED = 20


BOOK_REASONS: Final[frozenset[RejectReason]] = frozenset(
    reason for reason in RejectReason if reason <= RejectReason.ORDER_NOT_RESTING
)
"""Reasons an :class:`~sim.core.book.OrderBook` refuses an operation for."""
RISK_REASONS: Final[frozenset[RejectReason]] = frozenset(
    reason for reason in RejectReason
    if RejectReason.KILL_SWITCH <= reason <= RejectReason.ORDER_RATE
)
"""Reasons the pre-trade checks refuse an order for (one per check)."""

NEVER: Final[int] = -(2**63)
"""A time before every event: the int64 minimum.

It is the recorder's null stamp (a point an order never reached), fits an int64
column, and is below every timestamp the data can hold (times are int64 ns), so
comparisons against it (``start <= arrival``, "time goes backwards") give the
same answers as the ``-(2**62)`` a subscriber used before.
"""
