"""What a strategy session keeps about each of its orders, and writes out about its fills."""

from __future__ import annotations

import pyarrow as pa

from sim.core.strategy_ledger import LEDGER_COLUMNS, StrategyLedger

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
