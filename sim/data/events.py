"""A batch of canonical events as numpy columns: the one format the model consumes.

Readers turn Parquet record batches into ``EventColumns``; the ``ExchangeFeed``
walks them with plain Python lists (``to_lists``) in its hot loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.data.schema import Action

ACTION_BY_CODE: tuple[Action, ...] = tuple(Action)
"""``ACTION_BY_CODE[code]`` is the action with that small-integer code."""
CODE_BY_ACTION: dict[Action, int] = {action: code for code, action in enumerate(ACTION_BY_CODE)}

NO_PRICE = np.iinfo(np.int64).min
"""Sentinel in ``price`` for a null price (market orders, cancels)."""
NO_QTY = -1
"""Sentinel in ``qty`` for a null quantity (a cancel of the whole order)."""


@dataclass(frozen=True, slots=True)
class EventColumns:
    """Canonical events of one batch, time-sorted, with symbols as codes into ``symbols``."""

    ts_ns: npt.NDArray[np.int64]
    symbol: npt.NDArray[np.int32]
    action: npt.NDArray[np.int8]
    order_id: npt.NDArray[np.int64]
    side: npt.NDArray[np.int8]
    price: npt.NDArray[np.int64]
    qty: npt.NDArray[np.int64]
    symbols: tuple[str, ...]
    """Symbol names by code; codes are stable across all batches of one file."""

    def __len__(self) -> int:
        return int(self.ts_ns.shape[0])
