"""Shared, read-only results for the common outcomes of book operations.

Building a :class:`BookResult` costs more than a dict lookup, so rejections and
the plain "rested in full" / "cancelled in full" outcomes are built once and
handed out again. That is only safe because results are read-only by contract.
"""

from __future__ import annotations

from typing import Final

from sim.core.orders import BookResult
from sim.core.vocabulary import BOOK_REASONS, RejectReason

CACHE_MAX_QTY: Final = 1 << 16
"""Outcomes for quantities below this are cached (bounds the caches' memory)."""


def accepted(resting: int, cancelled: int) -> BookResult:
    """A fresh accepted result with no trades."""
    return BookResult(True, None, [], 0, resting, cancelled, [], [], [])


REJECTED: Final[dict[RejectReason, BookResult]] = {
    reason: BookResult(False, reason, [], 0, 0, 0, [], [], []) for reason in BOOK_REASONS
}
"""One shared result per reason a book can give."""

RESTED: Final[dict[int, BookResult]] = {}
"""qty -> shared result of an order that rested in full without trading."""

CANCELLED: Final[dict[int, BookResult]] = {}
"""qty -> shared result of an order cancelled in full."""


def rested_result(qty: int) -> BookResult:
    """Build (and cache) the result of an order of ``qty`` that rested in full."""
    result = accepted(qty, 0)
    if qty < CACHE_MAX_QTY:
        RESTED[qty] = result
    return result


def cancelled_result(qty: int) -> BookResult:
    """Build (and cache) the result of a full cancel of ``qty``."""
    result = accepted(0, qty)
    if qty < CACHE_MAX_QTY:
        CANCELLED[qty] = result
    return result
