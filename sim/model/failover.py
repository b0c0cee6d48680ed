"""A stage's failover: failure, heartbeat detection, standby promotion, redirection.

Timeline of a ``[[faults]]`` entry ``kind = "failover"`` at time ``T``::

    T            the primary dies: the orders in service and in its queue are lost
                 (the matching engine also loses the audit log's write in progress
                 and holds direct-route history rows)
    D            heartbeats (every ``heartbeat_interval`` from the data start) have been
                 missed ``missed_beats`` times in a row: the standby is promoted
    R = D + snapshot_load + replay     the standby has loaded its state; the matching
                 engine's standby loads the last snapshot and replays the WAL records
                 since it (``replay = records / replay_rate``); the gateway's and risk
                 engine's standbys are hot, with nothing to replay
    E = R + redirect                   senders have reconnected: the outage ends

During ``[T, E)`` every message sent to the stage is lost on arrival. Nothing is
lost for good: the sender (clients for the gateway, the gateway for risk, risk for
the matching engine) resends each unacknowledged message when its timer expires,
over the link it first took, and the first resend arriving at or after ``E`` gets
through. The timer backs off (:class:`sim.core.resend_backoff.ResendBackoff`):
``retransmit_timeout`` after the first send, times ``retransmit_backoff`` after each
resend, at most ``retransmit_max_timeout``. A fixed 100 us timer over a 260 ms
outage resent 3.4 million times (2,600 per held order); backing off x2 up to 100 ms
bounds that to about a dozen per order. When the outage's length is known (at ``D``)
the resends one message held through all of it would cost are counted, and more
than :data:`MAX_RESENDS_PER_MESSAGE` is refused before the storm starts. An order's
``outage_delay_ns`` is the time from its first loss to its successful arrival. At
``E`` the matching engine's standby books (rebuilt from the snapshot and the WAL,
not copied) take over and the held history rows are applied in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy

from sim.core.book_image import BookImage
from sim.core.failover_timing import detection_ns, replay_duration_ns
from sim.core.resend_backoff import ResendBackoff
from sim.errors import ScenarioError
from sim.model.audit import AuditLog
from sim.model.environment import SimulationEnvironment
from sim.model.link import NetworkLink
from sim.model.matching import MatchingEngine
from sim.model.recorder import OrderRecorder
from sim.model.server import Stage
from sim.scenario.faults import FailoverFault
from sim.scenario.standby import StandbyConfig
from sim.units import format_ns

MAX_RESENDS_PER_MESSAGE = 1_000
"""Most resends of one message held through a whole outage; a schedule needing more is an error."""


class StageFailover:
    """Kills one stage at the fault's time and brings its standby in.

    Args:
        env: The simulation environment.
        fault: The failover fault.
        standby: Detection, recovery and resend settings.
        stage: The stage that dies (armed here to crash).
        resend_link: The link a lost order is resent over (the one it came by).
        sent_column: Recorder column with each order's send time towards the stage.
        recorder: Per-order columns (``outage_delay_ns`` written).
        audit: The matching engine's write-ahead log (required when ``stage`` is it).
    """

    def __init__(
        self,
        env: SimulationEnvironment,
        fault: FailoverFault,
        standby: StandbyConfig,
        stage: Stage,
        resend_link: Callable[[int], NetworkLink],
        sent_column: str,
        recorder: OrderRecorder,
        audit: AuditLog | None = None,
    ) -> None:
        self.env = env
        self.name = f"failover.{fault.target}"
        self.fault = fault
        self.standby = standby
        self.stage = stage
        self.engine = stage if isinstance(stage, MatchingEngine) else None
        """The matching engine, whose books a standby rebuilds; None for stateless stages."""
        if self.engine is not None and audit is None:
            raise ValueError("a matching-engine failover needs the audit log it replays")
        self.audit = audit
        self._resend_link = resend_link
        stage.arm_crash()
        self.down = False
        self._origin_ns = 0
        self._first_loss: dict[int, int] = {}
        """Orders lost and not yet through: when each was first lost."""
        self._last_sent: dict[int, int] = {}
        """Orders resent at least once: their latest send time."""
        self.backoff = ResendBackoff(standby.retransmit_timeout, standby.retransmit_backoff,
                                     standby.retransmit_max_timeout)
        self._timer: dict[int, int] = {}
        """Orders lost and not yet through: the resend timer running since their last send."""
        self._resends: dict[int, int] = {}
        """Orders lost and not yet through: how often each was resent."""
        self._sent_at = recorder.view(sent_column)
        self._outage_delay = recorder.view("outage_delay_ns")
        self._resend_callback = self._resend
        self.figures: dict[str, int] = {}
        self.messages_lost = 0
        self.retransmits = 0
        self.max_retransmits_per_message = 0
        self.orders_delayed = 0
        self.scheduled = 0
        self.promoted_image: list[tuple[str, BookImage]] | None = None
        """The matching standby's books right after the WAL replay (before held history)."""

    def arrive(self, seq: int) -> None:
        """Receiver of the inbound links: lose the order while down, else pass it to the stage."""
        if self.down:
            self._lose(seq)
            return
        first = self._first_loss.pop(seq, None)
        if first is not None:
            self._outage_delay[seq] = self.env.now - first
            self.orders_delayed += 1
            self._last_sent.pop(seq, None)
            self._timer.pop(seq, None)
            self._resends.pop(seq, None)
        self.stage.arrive(seq)

    def start(self, origin_ns: int) -> None:
        """Schedule the failure at ``origin_ns + at`` (heartbeats count from ``origin_ns``)."""
        self._origin_ns = origin_ns
        at = origin_ns + self.fault.at
        self.env.timeout(max(0, at - self.env.now)).callbacks.append(self._fail)
        self.scheduled += 1

    def _fail(self, _event: simpy.Event) -> None:
        now = self.env.now
        standby, engine = self.standby, self.engine
        self.down = True
        lost = self.stage.crash()
        records = 0
        journal = None
        if engine is not None:
            journal = engine.go_down()
            if self.audit is not None:
                lost += self.audit.crash()
            records = len(journal.records)
        for seq in lost:
            self._lose(seq)
        detected = detection_ns(now, self._origin_ns, standby.heartbeat_interval,
                                standby.missed_beats)
        replay = replay_duration_ns(records, standby.replay_rate)
        recovered = detected + standby.snapshot_load + replay
        outage_end = recovered + standby.redirect
        self._check_resend_cost(outage_end - now)
        self.figures = {
            "failed_at_ns": now,
            "detected_at_ns": detected,
            "recovered_at_ns": recovered,
            "outage_end_ns": outage_end,
            "snapshot_at_ns": journal.snapshot_at_ns if journal is not None else now,
            "snapshot_load_ns": standby.snapshot_load,
            "snapshot_bytes": journal.snapshot_bytes if journal is not None else 0,
            "wal_records_replayed": records,
            "replay_ns": replay,
            "wal_records_at_failure": journal.journaled if journal is not None else 0,
        }
        self.env.timeout(outage_end - now).callbacks.append(self._take_over)
        self.scheduled += 1

    def _take_over(self, _event: simpy.Event) -> None:
        engine = self.engine
        if engine is not None:
            engine.rebuild_from_snapshot()
            self.promoted_image = engine.book_image()
        self.down = False
        if engine is not None:
            engine.come_back()

    def _check_resend_cost(self, outage_ns: int) -> None:
        """Refuse a resend schedule that would resend one held message too often."""
        needed = self.backoff.resends_within(outage_ns)
        if needed <= MAX_RESENDS_PER_MESSAGE:
            return
        cap = -(-outage_ns // (MAX_RESENDS_PER_MESSAGE // 2))
        raise ScenarioError(
            f"topology.standbys.{self.fault.target}: the {format_ns(outage_ns)} outage of "
            f"{self.fault.target} would cost up to {needed:,} resends of every message it "
            f"holds (resend timer {self.backoff.describe()}), more than "
            f"{MAX_RESENDS_PER_MESSAGE:,}; set retransmit_backoff >= 2 and "
            f"retransmit_max_timeout >= {format_ns(cap)}"
        )

    def _lose(self, seq: int) -> None:
        """Order ``seq`` did not get through: its sender resends it when its timer expires."""
        now = self.env.now
        self.messages_lost += 1
        self._first_loss.setdefault(seq, now)
        sent = self._last_sent.get(seq, self._sent_at[seq])
        timer = self._timer.get(seq, self.backoff.timeout_ns)
        resend_at, self._timer[seq] = self.backoff.next_resend(sent, timer, now)
        self.env.timeout(resend_at - now, seq).callbacks.append(self._resend_callback)
        self.scheduled += 1

    def _resend(self, event: simpy.Event) -> None:
        seq: Any = event.value  # the lost order's seq (set by _lose)
        self._last_sent[seq] = self.env.now
        self._timer[seq] = self.backoff.following(self._timer[seq])
        resends = self._resends[seq] = self._resends.get(seq, 0) + 1
        self.max_retransmits_per_message = max(self.max_retransmits_per_message, resends)
        self.retransmits += 1
        self._resend_link(seq).send(seq)

    def unwired(self) -> list[str]:
        """None: the resend links are given at construction."""
        return []

    @property
    def scheduled_events(self) -> int:
        """Failure, promotion, take-over and resend timeouts."""
        return self.scheduled

    def stats(self) -> dict[str, int]:
        """Outage times, recovery figures, lost/resent/delayed counts and the resend schedule."""
        return {
            **self.figures,
            "messages_lost": self.messages_lost,
            "retransmits": self.retransmits,
            "max_retransmits_per_message": self.max_retransmits_per_message,
            "retransmit_timeout_ns": self.backoff.timeout_ns,
            "retransmit_backoff": self.backoff.factor,
            "retransmit_max_timeout_ns": self.backoff.cap_ns,
            "orders_delayed": self.orders_delayed,
        }
