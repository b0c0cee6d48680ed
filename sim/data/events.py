"""A batch of canonical events as numpy columns: the one format the model consumes.

Readers turn Parquet record batches into ``EventColumns``; the ``ExchangeFeed``
walks them with plain Python lists (``to_lists``) in its hot loop. ``action``
holds :class:`sim.core.vocabulary.OrderAction` codes.

The optional columns of the canonical schema that change what an event does
travel as small-integer codes, or ``None`` when the file has no such column (the
common case costs nothing): ``tif`` (``TIF_BY_CODE``) and ``account`` (codes into
``accounts``, -1 for a null account).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from sim.core.orders import TimeInForce

NO_PRICE = np.iinfo(np.int64).min
"""Sentinel in ``price`` for a null price (market orders, cancels)."""
NO_QTY = -1
"""Sentinel in ``qty`` for a null quantity (a cancel of the whole order)."""

TIF_GTC, TIF_IOC, TIF_FOK = 0, 1, 2
"""Codes of the ``tif`` column; 0 also stands for a null tif (GTC)."""
TIF_BY_CODE: Final[tuple[str | None, ...]] = (None, TimeInForce.IOC.value, TimeInForce.FOK.value)
"""``tif`` argument of :func:`sim.core.replay.apply_event` by code (None: GTC fast path)."""
CODE_BY_TIF: Final[dict[str, int]] = {
    TimeInForce.GTC.value: TIF_GTC,
    TimeInForce.IOC.value: TIF_IOC,
    TimeInForce.FOK.value: TIF_FOK,
}
"""Code of each tif value a canonical file may hold (null is ``TIF_GTC``)."""
NO_ACCOUNT = -1
"""Code in ``account`` for a null account."""


@dataclass(frozen=True, slots=True)
class EventColumns:
    """Canonical events of one batch, time-sorted, with symbols as codes into ``symbols``."""

    ts_ns: npt.NDArray[np.int64]
    symbol: npt.NDArray[np.int32]
    action: npt.NDArray[np.int8]
    """``OrderAction`` codes."""
    order_id: npt.NDArray[np.int64]
    side: npt.NDArray[np.int8]
    price: npt.NDArray[np.int64]
    qty: npt.NDArray[np.int64]
    symbols: tuple[str, ...]
    """Symbol names by code; codes are stable across all batches of one file."""
    tif: npt.NDArray[np.int8] | None = None
    """Time-in-force codes (``TIF_BY_CODE``), or None when the file has no ``tif`` column."""
    account: npt.NDArray[np.int32] | None = None
    """Account codes into ``accounts`` (``NO_ACCOUNT`` for null), or None without the column."""
    accounts: tuple[str, ...] = ()
    """Account names by code; codes are stable across all batches of one file."""

    def head(self, rows: int) -> EventColumns:
        """The first ``rows`` events of this batch (all of them when ``rows >= len``)."""
        if rows >= len(self):
            return self
        return EventColumns(
            self.ts_ns[:rows], self.symbol[:rows], self.action[:rows], self.order_id[:rows],
            self.side[:rows], self.price[:rows], self.qty[:rows], self.symbols,
            None if self.tif is None else self.tif[:rows],
            None if self.account is None else self.account[:rows], self.accounts)

    def __len__(self) -> int:
        return int(self.ts_ns.shape[0])
