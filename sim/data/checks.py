"""Row checks of the canonical schema, as findings rather than a first error.

One function, :func:`batch_findings`, holds every per-row rule of a canonical file
(nulls, time order, actions, sides, quantities, prices, notional, order ids, ``tif``).
The reader raises the first finding (so a run stops at the first bad row, with the
message it always had); ``sim data validate`` and the importers collect all of them,
grouped by kind. The checks are null-safe: a null in one column never hides, or
crashes, the checks of another.

L2 files (metadata ``ticktwin.book = l2``) hold ``level`` rows (``qty`` is the new total
resting at ``price`` on ``side``; 0 empties the level) and ``trade`` prints only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from sim.core.vocabulary import OrderAction
from sim.data.events import CODE_BY_TIF
from sim.data.schema import BOOK_L2, LEVEL_ACTION, MAX_NOTIONAL

L3_ACTIONS: Final[tuple[str, ...]] = tuple(sorted(OrderAction.labels()))
L2_ACTIONS: Final[tuple[str, ...]] = (LEVEL_ACTION, OrderAction.TRADE.label)
_NEEDS_PRICE = (OrderAction.ADD.label, OrderAction.MODIFY.label, LEVEL_ACTION)
_NEEDS_QTY = (OrderAction.ADD.label, OrderAction.MODIFY.label, OrderAction.MARKET.label,
              OrderAction.EXECUTE.label, LEVEL_ACTION)
_TIF_VALUES = pa.array(sorted(CODE_BY_TIF, key=CODE_BY_TIF.__getitem__), pa.string())
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Finding:
    """One kind of problem in one batch: which rows, and how the first of them reads."""

    column: str
    kind: str
    """The problem without row-specific values (the grouping key), e.g. ``unknown action``."""
    rows: npt.NDArray[np.int64]
    """Batch-relative indices of the offending rows, ascending."""
    message: str
    """The full message for the first row (as the reader raises it)."""
    sample: str
    """The first offending value as text."""


def finding(column: str, kind: str, mask: Mask, values: pa.Array | npt.NDArray[np.generic] | None,
            message: str | None = None, offset: int = 0) -> Finding | None:
    """A :class:`Finding` for the rows where ``mask`` holds (None when it holds nowhere)."""
    if not mask.any():
        return None
    rows = np.flatnonzero(mask).astype(np.int64)
    first = int(rows[0])
    sample = "null" if values is None else _text(values[first])
    return Finding(column, kind, rows + offset, message or kind, sample)


def _text(value: object) -> str:
    if isinstance(value, pa.Scalar):
        value = value.as_py()
    return "null" if value is None else repr(value) if isinstance(value, str) else str(value)


def _bool(array: pa.Array | pa.ChunkedArray) -> Mask:
    result: Mask = np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    return result


def _int64(column: pa.Array, fill: int) -> npt.NDArray[np.int64]:
    """``column`` as int64 numpy (unsigned values above int64 wrap; nulls -> ``fill``)."""
    result: npt.NDArray[np.int64] = (column.cast(pa.int64(), safe=False).fill_null(fill)
                                     .to_numpy(zero_copy_only=False))
    return result


def batch_findings(batch: pa.RecordBatch, last_ts: int, book: str = "l3"
                   ) -> tuple[list[Finding], int]:
    """Every problem of one canonical batch, in the reader's check order, and its last time.

    ``last_ts`` is the previous batch's last timestamp (the cross-batch order check).
    """
    found: list[Finding | None] = [
        finding(name, "null", _bool(batch.column(name).is_null()), None)
        for name in ("ts", "symbol", "action", "order_id", "side")
    ]
    ts_column = batch.column("ts").cast(pa.int64())
    ts = _int64(pc.fill_null_forward(ts_column), last_ts)
    if ts.size:
        previous = np.concatenate(([last_ts], ts[:-1]))
        found.append(finding("ts", "time goes backwards (file not sorted)", ts < previous,
                             ts_column))
    allowed = L2_ACTIONS if book == BOOK_L2 else L3_ACTIONS
    actions = batch.column("action").cast(pa.string())
    unknown = _bool(pc.invert(pc.is_in(actions, pa.array(allowed))))
    if unknown.any():
        bad = actions[int(np.flatnonzero(unknown)[0])].as_py()
        found.append(finding("action", "unknown action", unknown, actions,
                             f"unknown action {bad!r} (expected one of {', '.join(allowed)})"))
    side_column = batch.column("side")
    side = _int64(side_column, 1)
    found.append(finding("side", "side must be 1 or -1", (side != 1) & (side != -1),
                         side_column))
    action_values = actions.fill_null("").to_numpy(zero_copy_only=False)
    found += _size_findings(batch, action_values, book)
    order_id = _int64(batch.column("order_id"), 0)
    found.append(finding("order_id", "order id must be below 2**63", order_id < 0,
                         batch.column("order_id")))
    if "tif" in batch.schema.names:
        found.append(_tif_finding(batch))
    present = [item for item in found if item is not None]
    return present, int(ts[-1]) if ts.size else last_ts


def _size_findings(batch: pa.RecordBatch, action_values: npt.NDArray[np.object_], book: str
                   ) -> list[Finding | None]:
    """Quantity, price and notional checks (a ``level`` row may hold quantity 0)."""
    qty_column, price_column = batch.column("qty"), batch.column("price")
    found = [_unsigned_finding("qty", qty_column)]
    qty = _int64(qty_column, 1)
    qty_null = _bool(qty_column.is_null())
    level = action_values == LEVEL_ACTION if book == BOOK_L2 else np.zeros(len(qty), bool)
    found.append(finding("qty", "quantity must be positive", (qty <= 0) & ~(level & (qty == 0)),
                         qty_column))
    found.append(finding("qty", "quantity is required for this action",
                         np.isin(action_values, _NEEDS_QTY) & qty_null, None))
    found.append(_unsigned_finding("price", price_column))
    price_null = _bool(price_column.is_null())
    needs_price = "price is required for add and modify" + (" and level" if book == BOOK_L2
                                                             else "")
    found.append(finding("price", needs_price, np.isin(action_values, _NEEDS_PRICE) & price_null,
                         None))
    price = _int64(price_column, 1)
    found.append(finding("price", "price must be positive", price <= 0, price_column))
    safe_qty = np.where(qty > 0, qty, 1)
    over = (price > MAX_NOTIONAL // safe_qty) & ~(price_null | qty_null) & (price > 0)
    if over.any():
        index = int(np.flatnonzero(over)[0])
        message = (f"price {int(price[index])} x qty {int(qty[index])} = "
                   f"{int(price[index]) * int(qty[index]):.3e} exceeds the largest notional, "
                   f"2**62 = {MAX_NOTIONAL:.3e} price units x shares (see docs/data.md)")
        found.append(finding("price", "price x qty exceeds the largest notional (2**62)", over,
                             price_column, message))
    return found


def _unsigned_finding(name: str, column: pa.Array) -> Finding | None:
    """Unsigned values of 2**63 and above (they would wrap negative in int64)."""
    if not pa.types.is_uint64(column.type):
        return None
    over = _bool(pc.greater(column, pa.scalar(2**63 - 1, pa.uint64())))
    return finding(name, f"{name} must be below 2**63", over, column)


def _tif_finding(batch: pa.RecordBatch) -> Finding | None:
    values = batch.column("tif").cast(pa.string())
    index = pc.index_in(values, value_set=_TIF_VALUES)
    unknown = _bool(pc.and_(pc.is_valid(values), pc.is_null(index)))
    if not unknown.any():
        return None
    bad = values[int(np.flatnonzero(unknown)[0])].as_py()
    return finding("tif", "unknown tif", unknown, values,
                   f"unknown tif {bad!r} (expected null or one of {', '.join(CODE_BY_TIF)})")
