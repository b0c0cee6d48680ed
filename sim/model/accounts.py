"""Which account sent each order, for per-account checks (rate limits, risk limits).

An order's account is the recorder's ``account`` column when it is set (injected
orders; data that carries an ``account`` column) and otherwise the name of the
source it came from, so a source without accounts is one client.
"""

from __future__ import annotations

from sim.model.recorder import OrderRecorder


class OrderAccounts:
    """Account names of orders by sequence number.

    Args:
        recorder: Per-order columns (``account`` codes into ``recorder.accounts``).
    """

    def __init__(self, recorder: OrderRecorder) -> None:
        self.recorder = recorder
        self._account = recorder.view("account")
        self._source = recorder.view("source")

    def name(self, seq: int) -> str:
        """The account of order ``seq``."""
        code = self._account[seq]
        if code >= 0:
            return self.recorder.accounts[code]
        return self.recorder.sources[self._source[seq]]

    def code(self, name: str) -> int:
        """The recorder code of account ``name``, registering it on first use."""
        accounts = self.recorder.accounts
        if name in accounts:
            return accounts.index(name)
        accounts.append(name)
        return len(accounts) - 1
