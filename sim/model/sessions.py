"""Which client session sent each order, for stages that keep a session's messages in order.

A real gateway receives each client session (a FIX or binary connection) as one
ordered stream and keeps its messages in sequence; an order's cancel and modify
come over the session of its add. The session of an order is:

- its ``account``, when its source's data has an ``account`` column with at
  least two distinct accounts (``OrderRecorder.source_accounts``, set by the feed
  from the whole file when it loads);
- otherwise (no account column, a single account, a row without an account,
  injected orders) one of ``sessions`` sessions of its source, chosen by a stable
  hash of (symbol, order id): a cancel or modify carries its add's order id, so
  it follows its add, and a whole replayed market is spread over ``sessions``
  sessions instead of being serialised as one. A single account is not taken as
  one session on purpose: it would put every message of the source behind the
  previous one, one worker for the whole market.

Keys are ints: account codes are ``>= 0``, hashed sessions ``< 0`` (per source),
so the two never meet. They are computed with numpy for every order recorded so far
when an order past them is first asked for (a lookup is then one array read): a
per-order scalar hash cost about 1 us, a sixth of a message's whole model cost.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from sim.model.recorder import OrderRecorder

_MULTIPLIER: Final[int] = 0x9E3779B97F4A7C15
"""2^64 / golden ratio (Fibonacci hashing): consecutive ids land far apart."""
_MASK: Final[int] = (1 << 64) - 1


def session_hash(symbol: int, order_id: int) -> int:
    """A stable 32-bit hash of (symbol code, order id), the same on every machine and run.

    The scalar form of what :class:`OrderSessions` computes with numpy (uint64, wrapping).
    """
    mixed = ((order_id * _MULTIPLIER + symbol) & _MASK) * _MULTIPLIER & _MASK
    return mixed >> 32


class OrderSessions:
    """Session keys of orders by sequence number (see the module note).

    Args:
        recorder: Per-order columns (account, source, symbol, order id).
        sessions: Hashed sessions per source without accounts.
    """

    def __init__(self, recorder: OrderRecorder, sessions: int) -> None:
        self.recorder = recorder
        self.sessions = sessions
        self._keys = np.zeros(recorder.capacity, dtype=np.int64)
        self.keys = self._keys.data
        """Key of every order below :attr:`ready` (read it directly once :meth:`of` ran)."""
        self.ready = 0
        """Orders whose key is computed."""

    def of(self, seq: int) -> int:
        """The session key of order ``seq``: its account code, or a negative hashed session."""
        if seq >= self.ready:
            self._compute(self.recorder.count)
        key: int = self.keys[seq]
        return key

    def _compute(self, end: int) -> None:
        """Compute the keys of orders ``ready .. end - 1`` (rows the feeds have written)."""
        rows = slice(self.ready, end)
        columns = self.recorder.columns
        account = columns["account"][rows].astype(np.int64)
        source = columns["source"][rows].astype(np.int64)
        symbol = columns["symbol"][rows].astype(np.uint64)
        order_id = columns["order_id"][rows].astype(np.uint64)
        multiplier = np.uint64(_MULTIPLIER)
        mixed = ((order_id * multiplier + symbol) * multiplier) >> np.uint64(32)
        bucket = (mixed % np.uint64(self.sessions)).astype(np.int64)
        several = np.array(self.recorder.source_accounts, dtype=np.int64)[source] > 1
        hashed = -1 - (source * self.sessions + bucket)
        self._keys[rows] = np.where((account >= 0) & several, account, hashed)
        self.ready = end
