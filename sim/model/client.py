"""Client sessions: where execution reports end (``ts_ack_ns``).

Clients in this model only record when their report arrives, so the
``matching_to_client`` link hands reports to :meth:`ClientSessions.report_delivered`
at send time with the delivery time (see :mod:`sim.model.link`). Each order gets
exactly one report: its acceptance/fill report from matching, or its reject from
whichever stage refused it. Later passive fills of a resting order are in the
fills table with their matching time; they are not sent as separate reports.
"""

from __future__ import annotations

from sim.model.component import Sink
from sim.model.recorder import OrderRecorder


class ClientSessions(Sink):
    """Endpoint of execution reports: stamps ``ts_ack_ns``.

    Args:
        recorder: Per-order columns.
    """

    inputs = ("report_delivered",)

    def __init__(self, recorder: OrderRecorder) -> None:
        self.name = "clients"
        self._ack = recorder.view("ts_ack_ns")
        self.reports = 0

    def report_delivered(self, seq: int, delivery_ns: int) -> None:
        """Record that order ``seq``'s execution report reached its client at ``delivery_ns``."""
        self._ack[seq] = delivery_ns
        self.reports += 1

    def stats(self) -> dict[str, int]:
        """Counters: reports delivered."""
        return {"reports": self.reports}
