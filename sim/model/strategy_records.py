"""What a strategy session keeps about its orders and reports, and writes out about fills."""

from __future__ import annotations

from collections.abc import Container

import pyarrow as pa

from sim.core.strategy_ledger import LEDGER_COLUMNS, StrategyLedger
from sim.strategy.api import ExecutionReport, ReportStatus

LEDGER_TYPES: dict[str, pa.DataType] = {
    name: pa.string() if name in ("symbol", "liquidity") else
    pa.int8() if name == "side" else pa.int64()
    for name in LEDGER_COLUMNS
}
"""Arrow types of ``strategy_<name>.parquet`` (money in price units x shares)."""


class StrategyOrder:
    """The strategy's own view of one of its orders."""

    __slots__ = ("arrival_mid", "cancelled", "filled", "price", "qty", "queue_ahead", "seq",
                 "side", "symbol")

    def __init__(self, seq: int, symbol: str, side: int, price: int | None, qty: int) -> None:
        self.seq = seq
        self.symbol = symbol
        self.side = side
        self.price = price
        self.qty = qty
        self.filled = 0
        self.cancelled = 0
        self.queue_ahead: int | None = None
        """Visible shares ahead of it when it first rested (None: it never rested)."""
        self.arrival_mid: int | None = None
        """The venue's mid when it was sent (None: a side of the book was empty)."""

    @property
    def leaves(self) -> int:
        """Quantity still working."""
        return self.qty - self.filled - self.cancelled


def ledger_table(ledger: StrategyLedger) -> pa.Table:
    """The ledger's rows as ``strategy_<name>.parquet``: one row per fill."""
    rows = ledger.rows
    return pa.table({name: pa.array(rows[name], type=LEDGER_TYPES[name])
                     for name in LEDGER_COLUMNS})


class Acknowledgements:
    """When each of the strategy's recorder rows was acknowledged (``ts_ack_ns``).

    A row is acknowledged when the report that finishes it reaches the strategy over
    its response link; a fully filled order by its last fill report.

    Args:
        ack: The recorder's ``ts_ack_ns`` column.
    """

    def __init__(self, ack: memoryview) -> None:
        self._ack = ack
        self._rows: dict[int, int] = {}
        """Report item -> the row its delivery acknowledges."""
        self.last_fill: dict[int, int] = {}
        """Order id -> item of its latest fill report."""
        self._last_fill_seen: dict[int, int] = {}
        """Order id -> when its latest fill report reached the strategy."""

    def expect(self, item: int, seq: int) -> None:
        """Report ``item``'s delivery acknowledges row ``seq``."""
        self._rows[item] = seq

    def delivered(self, item: int, message: object, now_ns: int) -> None:
        """Report ``item`` (``message``) reached the strategy at ``now_ns``."""
        seq = self._rows.pop(item, None)
        if seq is not None:
            self._ack[seq] = now_ns
        if isinstance(message, ExecutionReport) and message.status is ReportStatus.FILLED:
            self._last_fill_seen[message.order_id] = now_ns

    def by_last_fill(self, order_id: int, seq: int, in_flight: Container[int]) -> None:
        """Row ``seq`` of a fully filled order is acknowledged by its last fill report."""
        last = self.last_fill[order_id]
        if last in in_flight:
            self._rows[last] = seq
        else:
            self._ack[seq] = self._last_fill_seen[order_id]
