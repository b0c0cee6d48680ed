"""Per-symbol circuit breaker: a fast price move halts trading for a cool-off.

Each trade is compared with the oldest trade of its symbol still inside the
window (a trade at ``t0`` is inside at ``now`` while ``now - t0 < window``).
When ``|price - oldest| * 10_000 > oldest * max_move_bps`` (exactly the limit
does not halt), the symbol is halted for ``[now, now + cool_off)``: at
``now + cool_off`` trading resumes. Halting clears the window; trades during
the halt are ignored, so the first trade after the halt starts a fresh window.
All times are int nanoseconds passed in by the caller.
"""

from __future__ import annotations

from collections import deque

BPS = 10_000
"""Basis points per unit (1 bp = 0.01 %)."""


class CircuitBreaker:
    """Trading halts per symbol driven by trade prices.

    Args:
        max_move_bps: Largest move within the window that does not halt.
        window_ns: Look-back of the move, in nanoseconds (positive).
        cool_off_ns: Length of a halt, in nanoseconds.
    """

    def __init__(self, max_move_bps: int, window_ns: int, cool_off_ns: int) -> None:
        if max_move_bps <= 0 or window_ns <= 0 or cool_off_ns < 0:
            raise ValueError("circuit breaker needs max_move_bps > 0, window > 0, cool_off >= 0")
        self._max_move_bps = max_move_bps
        self._window_ns = window_ns
        self._cool_off_ns = cool_off_ns
        self._trades: dict[str, deque[tuple[int, int]]] = {}
        self._halted_until_ns: dict[str, int] = {}

    def is_halted(self, now_ns: int, symbol: str) -> bool:
        """Whether ``symbol`` is halted at ``now_ns``."""
        return now_ns < self._halted_until_ns.get(symbol, now_ns)

    def halted_until_ns(self, symbol: str) -> int | None:
        """End of the latest halt of ``symbol`` (exclusive), or None if it never halted."""
        return self._halted_until_ns.get(symbol)

    def on_trade(self, now_ns: int, symbol: str, price: int) -> bool:
        """Record a trade; return True when it halts the symbol.

        Trades must come in non-decreasing time order per symbol.
        """
        if self.is_halted(now_ns, symbol):
            return False
        trades = self._trades.get(symbol)
        if trades is None:
            trades = self._trades[symbol] = deque()
        while trades and now_ns - trades[0][0] >= self._window_ns:
            trades.popleft()
        if trades:
            oldest = trades[0][1]
            if abs(price - oldest) * BPS > oldest * self._max_move_bps:
                trades.clear()
                self._halted_until_ns[symbol] = now_ns + self._cool_off_ns
                return True
        trades.append((now_ns, price))
        return False
