"""One strategy's book-keeping: positions, cash, fees and P&L after every fill (pure, integer).

Money is in price units x shares (divide by ``price_scale`` for currency), as in
:mod:`sim.core.portfolio`, whose :class:`Position` does the average-cost
arithmetic. Fees are per share in price units, by liquidity (a negative fee is a
rebate). Unrealised P&L is marked to the venue's mid when both sides are quoted,
else to the fill's own price. For every fill, from a flat start::

    cash + position x mark == realised + unrealised - fees
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.core.portfolio import Position

LEDGER_COLUMNS: tuple[str, ...] = (
    "ts_ns", "order_id", "symbol", "side", "price", "qty", "liquidity", "fee",
    "queue_ahead_at_entry", "arrival_mid", "position", "cash", "realized_pnl",
    "unrealized_pnl", "mark",
)
"""Columns of the ledger, one row per fill (``strategy_<name>.parquet``)."""


@dataclass(slots=True)
class StrategyLedger:
    """Fills, positions and P&L of one strategy, in fill order.

    Args:
        maker_fee: Fee per share of a passive fill (price units; negative: rebate).
        taker_fee: Fee per share of an aggressive fill.
    """

    maker_fee: int = 0
    taker_fee: int = 0
    positions: dict[str, Position] = field(default_factory=dict)
    marks: dict[str, int] = field(default_factory=dict)
    """Latest mark per symbol."""
    fees: int = 0
    maker_fills: int = 0
    taker_fills: int = 0
    rows: dict[str, list[object]] = field(
        default_factory=lambda: {name: [] for name in LEDGER_COLUMNS})

    def on_fill(self, ts_ns: int, order_id: int, symbol: str, side: int, price: int, qty: int,
                maker: bool, mark: int, queue_ahead: int | None,
                arrival_mid: int | None = None) -> None:
        """Book one fill and log the position and P&L after it.

        ``arrival_mid`` is the venue's mid when the order was sent (None: a side was empty),
        the reference of its slippage.
        """
        position = self.positions.get(symbol)
        if position is None:
            position = self.positions[symbol] = Position()
        position.apply(side, price, qty)
        fee = (self.maker_fee if maker else self.taker_fee) * qty
        self.fees += fee
        if maker:
            self.maker_fills += 1
        else:
            self.taker_fills += 1
        self.marks[symbol] = mark
        row = (ts_ns, order_id, symbol, side, price, qty, "maker" if maker else "taker", fee,
               queue_ahead, arrival_mid, position.qty, self.cash(), self.realized(),
               self.unrealized(), mark)
        for name, value in zip(LEDGER_COLUMNS, row, strict=True):
            self.rows[name].append(value)

    def mark(self, symbol: str, mark: int) -> None:
        """Set the mark of ``symbol`` (the venue's mid at the end of the run)."""
        self.marks[symbol] = mark

    def cash(self) -> int:
        """Cash after fees, over every symbol."""
        return sum(position.cash for position in self.positions.values()) - self.fees

    def realized(self) -> int:
        """Realised P&L before fees, over every symbol."""
        return sum(position.realized for position in self.positions.values())

    def unrealized(self) -> int:
        """Open positions marked to each symbol's latest mark."""
        return sum(position.unrealized(self.marks.get(symbol, 0))
                   for symbol, position in self.positions.items())

    def totals(self) -> dict[str, int]:
        """End-of-run figures (money in price units x shares)."""
        realized, unrealized = self.realized(), self.unrealized()
        return {
            "fills": self.maker_fills + self.taker_fills,
            "maker_fills": self.maker_fills,
            "taker_fills": self.taker_fills,
            "position": sum(position.qty for position in self.positions.values()),
            "realized_pnl": realized,
            "unrealized_pnl": unrealized,
            "fees": self.fees,
            "net_pnl": realized + unrealized - self.fees,
        }
