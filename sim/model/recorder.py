"""Per-order state in preallocated numpy columns, written out as Arrow once at the end.

Row ``seq`` of every column belongs to the order with sequence number ``seq``
(``0 .. capacity-1``, assigned by the feed in send order). Strings are
small-integer codes while the run lasts: ``action``, ``outcome`` and
``reject_reason`` the fixed codes of :mod:`sim.core.vocabulary` (decoded by
label), source, symbol and account codes into name tables filled as they appear.
Components write scalars through ``memoryview`` s of the columns
(:meth:`OrderRecorder.view`), which is as fast as a list and keeps the memory of
a numpy array. ``NULL`` marks a missing timestamp, price or reason.
Fills are appended to ``array('q')`` buffers, since their count is not known
up front.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from sim.core.vocabulary import NEVER, NEW_ORDER_ACTIONS, OrderAction, Outcome, RejectReason
from sim.data.events import NO_PRICE, NO_QTY

NULL: Final[int] = NEVER
"""Sentinel of a missing int64 value: a stamp never reached (:data:`NEVER`), a null price."""

STAGE_NAMES: Final[tuple[str, ...]] = ("gateway", "risk", "matching")
"""Stages that can reject an order (``reject_stage``): ``STAGE_NAMES[code]``."""
GATEWAY, RISK, MATCHING = 0, 1, 2

STAMPS: Final[tuple[str, ...]] = (
    "ts_sent_ns",
    "ts_gateway_in_ns",
    "ts_gateway_start_ns",
    "ts_gateway_out_ns",
    "ts_risk_in_ns",
    "ts_risk_start_ns",
    "ts_risk_out_ns",
    "ts_matching_in_ns",
    "ts_matching_start_ns",
    "ts_matching_out_ns",
    "ts_ack_ns",
)
"""Timestamp columns in path order; a null means the order never reached that point."""

_INT64: Final[tuple[str, ...]] = (
    "order_id",
    "price",
    "qty",
    *STAMPS,
    "filled_qty",
    "cancelled_qty",
    "resting_qty",
    "filled_notional",
    "outage_delay_ns",
)
_ZERO_FILLED: Final[frozenset[str]] = frozenset(
    {"filled_qty", "cancelled_qty", "resting_qty", "filled_notional", "outage_delay_ns"}
)
"""Int64 columns that start at 0 (the rest start null)."""
_CODES: Final[dict[str, type[np.signedinteger]]] = {
    "source": np.int16,
    "symbol": np.int32,
    "account": np.int32,
    "action": np.int8,
    "side": np.int8,
    "reject_reason": np.int16,
    "reject_stage": np.int8,
}
_ORDER_COLUMNS: Final[tuple[str, ...]] = (
    "source", "ts_sent_ns", "symbol", "action", "order_id", "side", "price", "qty",
)
"""The columns a new order writes, in the order :meth:`OrderRecorder._write` takes them."""
_FILL_COLUMNS: Final[tuple[str, ...]] = (
    "ts_ns",
    "symbol",
    "price",
    "qty",
    "maker_seq",
    "taker_seq",
    "maker_order_id",
    "taker_order_id",
    "aggressor_side",
)


class CapacityError(ValueError):
    """More orders were sent than the recorder was sized for."""


class OrderRecorder:
    """Preallocated per-order columns plus the growing fills buffers.

    Args:
        capacity: Most orders the run can create (the data's row count is safe).
        sources: Source names; ``source`` codes index this tuple.
    """

    def __init__(self, capacity: int, sources: Sequence[str]) -> None:
        if capacity < 0:
            raise ValueError(f"capacity must be >= 0, got {capacity}")
        self.capacity = capacity
        self.count = 0
        """Rows used so far (the next order's ``seq``)."""
        self.sources: tuple[str, ...] = tuple(sources)
        self.symbols: list[str] = []
        self.accounts: list[str] = []
        self.source_accounts: list[int] = [0] * len(self.sources)
        """Distinct accounts in each source's data (set by its feed on load; 0: none)."""
        self._symbol_codes: dict[str, int] = {}
        self.columns: dict[str, npt.NDArray[np.signedinteger]] = {}
        for name in _INT64:
            fill = 0 if name in _ZERO_FILLED else NULL
            self.columns[name] = np.full(capacity, fill, dtype=np.int64)
        for name, dtype in _CODES.items():
            self.columns[name] = np.full(capacity, -1, dtype=dtype)
        self.fills: dict[str, array[int]] = {name: array("q") for name in _FILL_COLUMNS}

    # ------------------------------------------------------------------ writing

    def view(self, name: str) -> memoryview:
        """Return a writable memoryview of column ``name`` for fast scalar access."""
        return self.columns[name].data

    def symbol_code(self, name: str) -> int:
        """Return the code of symbol ``name``, registering it on first use."""
        code = self._symbol_codes.get(name)
        if code is None:
            code = self._symbol_codes[name] = len(self.symbols)
            self.symbols.append(name)
        return code

    def append_orders(
        self,
        source: int,
        ts_ns: npt.NDArray[np.int64],
        symbol: npt.NDArray[np.int32],
        action: npt.NDArray[np.int8],
        order_id: npt.NDArray[np.int64],
        side: npt.NDArray[np.int8],
        price: npt.NDArray[np.int64],
        qty: npt.NDArray[np.int64],
    ) -> int:
        """Write a block of new orders (``action`` in ``OrderAction`` codes); return the first seq.

        Raises:
            CapacityError: The block does not fit in the preallocated columns.
        """
        first = self.count
        end = first + len(ts_ns)
        self._check_room(end)
        self._write(slice(first, end), source, ts_ns, symbol, action, order_id, side,
                    np.where(price == NO_PRICE, NULL, price), np.where(qty == NO_QTY, NULL, qty))
        self.count = end
        return first

    def append_order(self, source: int, ts_ns: int, symbol: int, action: int, order_id: int,
                     side: int, price: int, qty: int) -> int:
        """Write one new order (as :meth:`append_orders`, for orders made one at a time)."""
        seq = self.count
        self._check_room(seq + 1)
        self._write(seq, source, ts_ns, symbol, action, order_id, side,
                    NULL if price == NO_PRICE else price, NULL if qty == NO_QTY else qty)
        self.count = seq + 1
        return seq

    def _write(self, rows: int | slice, *values: Any) -> None:
        """Write one order (``rows`` a seq) or a block (a slice) of the order columns."""
        columns = self.columns
        for name, value in zip(_ORDER_COLUMNS, values, strict=True):
            columns[name][rows] = value

    def _check_room(self, end: int) -> None:
        """Raise :class:`CapacityError` unless rows up to ``end`` fit the columns."""
        if end > self.capacity:
            raise CapacityError(
                f"the run creates more than {self.capacity} orders; size the recorder "
                "with the data's total row count"
            )

    def reject(self, seq: int, stage: int, reason: RejectReason) -> None:
        """Mark order ``seq`` rejected by ``stage`` (a ``STAGE_NAMES`` code) for ``reason``."""
        self.columns["reject_stage"][seq] = stage
        self.columns["reject_reason"][seq] = reason

    # ------------------------------------------------------------------ output

    def to_arrow(self) -> pa.Table:
        """Return the orders table (one row per order, columns as documented in the README)."""
        n = self.count
        col = {name: values[:n] for name, values in self.columns.items()}
        outcome = self._outcomes(col)
        filled = col["filled_qty"]
        with np.errstate(divide="ignore", invalid="ignore"):
            average = col["filled_notional"] / np.where(filled > 0, filled, 1)
        fields: dict[str, pa.Array] = {
            "order_seq": pa.array(np.arange(n, dtype=np.int64)),
            "source": _strings(col["source"], self.sources),
            "symbol": _strings(col["symbol"], self.symbols),
            "account": _strings(col["account"], self.accounts),
            "action": _strings(col["action"], _ACTION_LABELS),
            "order_id": pa.array(col["order_id"]),
            "side": pa.array(col["side"]),
            "price": _nullable(col["price"]),
            "qty": _nullable(col["qty"]),
        }
        for name in STAMPS:
            fields[name] = _nullable(col[name])
        fields["outcome"] = _strings(outcome, _OUTCOME_LABELS)
        fields["reject_reason"] = _strings(col["reject_reason"], _REASON_LABELS)
        fields["reject_stage"] = _strings(col["reject_stage"], STAGE_NAMES)
        for name in ("filled_qty", "cancelled_qty", "resting_qty", "filled_notional"):
            fields[name] = pa.array(col[name])
        fields["avg_price"] = pa.array(average, mask=filled <= 0, type=pa.float64())
        fields["outage_delay_ns"] = pa.array(col["outage_delay_ns"])
        return pa.table(fields)

    def fills_to_arrow(self) -> pa.Table:
        """Return the fills table: one row per trade involving at least one model order."""
        raw = {
            name: np.frombuffer(buffer, dtype=np.int64) if len(buffer) else np.zeros(0, np.int64)
            for name, buffer in self.fills.items()
        }
        return pa.table(
            {
                "ts_ns": pa.array(raw["ts_ns"]),
                "symbol": _strings(raw["symbol"], self.symbols),
                "price": pa.array(raw["price"]),
                "qty": pa.array(raw["qty"]),
                "maker_seq": pa.array(raw["maker_seq"], mask=raw["maker_seq"] < 0),
                "taker_seq": pa.array(raw["taker_seq"], mask=raw["taker_seq"] < 0),
                "maker_order_id": pa.array(
                    raw["maker_order_id"], mask=raw["maker_order_id"] == NULL
                ),
                "taker_order_id": pa.array(
                    raw["taker_order_id"], mask=raw["taker_order_id"] == NULL
                ),
                "aggressor_side": pa.array(raw["aggressor_side"].astype(np.int8)),
            }
        )

    @staticmethod
    def _outcomes(col: dict[str, npt.NDArray[np.signedinteger]]) -> npt.NDArray[np.int8]:
        """``Outcome`` codes; -1 (null) when the order never finished."""
        qty, filled, resting = col["qty"], col["filled_qty"], col["resting_qty"]
        is_order = np.isin(col["action"], _NEW_ORDER_CODES)
        done = col["ts_matching_out_ns"] != NULL
        outcome = np.full(len(qty), -1, dtype=np.int8)
        outcome[done & ~is_order] = Outcome.ACCEPTED
        outcome[done & is_order] = Outcome.CANCELLED
        outcome[done & is_order & (resting > 0)] = Outcome.RESTING
        outcome[done & is_order & (filled > 0)] = Outcome.PARTIAL
        outcome[done & is_order & (filled > 0) & (filled >= qty)] = Outcome.FILLED
        outcome[col["reject_reason"] >= 0] = Outcome.REJECTED
        return outcome


_ACTION_LABELS: Final = OrderAction.labels()
_OUTCOME_LABELS: Final = Outcome.labels()
_REASON_LABELS: Final = RejectReason.labels()
_NEW_ORDER_CODES: Final = sorted(NEW_ORDER_ACTIONS)


def _nullable(values: npt.NDArray[np.int64]) -> pa.Array:
    return pa.array(values, mask=values == NULL, type=pa.int64())


def _strings(codes: npt.NDArray[np.signedinteger], names: Sequence[str]) -> pa.Array:
    """Decode small-integer codes (negative: null) into a plain string array."""
    dictionary = pa.array(list(names), type=pa.string())
    indices = pa.array(codes.astype(np.int32), mask=codes < 0, type=pa.int32())
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())
