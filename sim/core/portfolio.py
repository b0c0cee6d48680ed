"""Positions and P&L per account, from fills (pure, integer arithmetic).

Cash is kept in price units x shares (divide by ``price_scale`` for currency).
Realised P&L uses average cost: closing shares realise ``(exit - average entry)``
on the closed quantity; the average entry of what stays open never changes on a
reduction and resets when a position flips side.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Position:
    """One account's position in one symbol."""

    qty: int = 0
    """Signed shares: positive long, negative short."""
    cost: int = 0
    """Signed entry cost of the open quantity, in price units x shares."""
    realized: int = 0
    """Realised P&L in price units x shares."""
    cash: int = 0
    """Cash flow: sells add, buys subtract (price units x shares)."""

    def apply(self, side: int, price: int, qty: int) -> None:
        """Book a fill of ``qty`` shares at ``price``; ``side`` is 1 buy, -1 sell."""
        if qty <= 0:
            raise ValueError(f"fill quantity must be positive, got {qty}")
        signed = side * qty
        self.cash -= signed * price
        if self.qty == 0 or (self.qty > 0) == (signed > 0):
            self.qty += signed
            self.cost += signed * price
            return
        closing = min(abs(signed), abs(self.qty))
        direction = 1 if self.qty > 0 else -1
        average_cost_of_closed = self.cost * closing // abs(self.qty)
        self.realized += direction * closing * price - average_cost_of_closed
        self.cost -= average_cost_of_closed
        self.qty += signed
        if abs(signed) > closing:  # flipped: the rest opens a new position at this price
            self.cost = self.qty * price

    def unrealized(self, mark_price: int) -> int:
        """Mark-to-market P&L of the open quantity at ``mark_price``."""
        return self.qty * mark_price - self.cost


class Portfolio:
    """Positions of every account in every symbol, updated from fills."""

    def __init__(self) -> None:
        self._positions: dict[tuple[str, str], Position] = {}

    def position(self, account: str, symbol: str) -> Position:
        """The (possibly new, flat) position of ``account`` in ``symbol``."""
        key = (account, symbol)
        found = self._positions.get(key)
        if found is None:
            found = self._positions[key] = Position()
        return found

    def on_fill(self, symbol: str, price: int, qty: int, buyer: str | None,
                seller: str | None) -> None:
        """Book a trade for both counterparties (``None``: an account we do not track)."""
        if buyer is not None:
            self.position(buyer, symbol).apply(1, price, qty)
        if seller is not None:
            self.position(seller, symbol).apply(-1, price, qty)

    def gross_exposure(self, account: str, marks: dict[str, int]) -> int:
        """Sum of |qty| x mark over the account's symbols (price units x shares)."""
        return sum(abs(p.qty) * marks.get(symbol, 0)
                   for (owner, symbol), p in self._positions.items() if owner == account)

    def items(self) -> list[tuple[tuple[str, str], Position]]:
        """All positions, sorted by (account, symbol) for deterministic output."""
        return sorted(self._positions.items())
