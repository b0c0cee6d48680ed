"""Where the venue's answers to strategy orders go: their sessions, not the client link.

Stages report every order they finish with (``report``); an order of a strategy
source goes to its :class:`~sim.model.strategy_session.StrategySession` (which
sends it over its response link), every other order to the clients' link as
before. Book changes (history included) go to every session as market data,
and each trade a strategy order was in goes to its session as a fill.
"""

from __future__ import annotations

from typing import ClassVar

from sim.core.orders import BookResult
from sim.core.vocabulary import RejectReason
from sim.model.component import Ports, Receiver
from sim.model.matching import MatchingEngine
from sim.model.recorder import OrderRecorder
from sim.model.strategy_session import StrategySession


class StrategyRouting(Ports):
    """Routes reports and book changes to strategy sessions by the order's source.

    Args:
        recorder: Per-order columns (``source``, ``reject_reason``).
        engine: The matching engine (its last applied result).
        sessions: The strategy sessions, each with its recorder source code.
    """

    inputs: ClassVar[tuple[str, ...]] = ("report", "book_changed")
    outputs = ("clients",)
    clients: Receiver
    """Reports of every other order (the ``matching_to_client`` link's ``send``)."""

    def __init__(self, recorder: OrderRecorder, engine: MatchingEngine,
                 sessions: list[StrategySession]) -> None:
        self.name = "strategy_routing"
        self.engine = engine
        self.sessions = sessions
        self._capacity = recorder.capacity
        self._by_source: list[StrategySession | None] = [None] * len(recorder.sources)
        for session in sessions:
            self._by_source[session.source_code] = session
        self._source = recorder.view("source")
        self._reason = recorder.view("reject_reason")
        self.routed = 0
        self._labels = RejectReason.labels()
        self.init_outputs()

    def report(self, seq: int) -> None:
        """A stage is done with order ``seq``: its session reports it, or the client link does."""
        session = self._by_source[self._source[seq]]
        if session is None:
            self.clients(seq)
            return
        self.routed += 1
        reason = self._reason[seq]
        if reason >= 0:
            session.reported(seq, None, self._labels[reason])
        else:
            session.reported(seq, self.engine.last_result, "")

    def book_changed(self, ts_ns: int, symbol: str, result: BookResult, _owner: int) -> None:
        """Market data to every session; each strategy order's fill to its own session."""
        for session in self.sessions:
            session.book_changed(ts_ns, symbol, result)
        capacity, by_source, source = self._capacity, self._by_source, self._source
        for trade in result.trades:
            for book_id, maker in ((trade.maker_id, True), (trade.taker_id, False)):
                if 0 < book_id <= capacity:
                    owner = by_source[source[book_id - 1]]
                    if owner is not None:
                        owner.filled(ts_ns, book_id - 1, trade.price, trade.qty, maker)

    @property
    def scheduled_events(self) -> int:
        """None: it hands reports on at once."""
        return 0

    def stats(self) -> dict[str, int]:
        """Reports routed to strategy sessions."""
        return {"routed": self.routed}
