"""The audit log: the matching engine's write-ahead log, with a durable-write latency.

An order served by the matching stage is appended to the log and applied to its
book only once the write holding it is durable (write-ahead: what the books show
is always in the log, which is what a standby replays after a failover). One
writer: a write takes one ``write`` draw whatever it holds. With
``group_commit``, every record waiting when the writer frees up goes out in the
next write (up to ``max_batch``); without it, each record is its own write, so the
log becomes a queue of its own under load.

Each trade printed while a model order is applied adds an *execution* record,
written like any other but gating nothing. Direct-route history rows are the venue's own record; the
engine journals them at their time without a write (see
:meth:`sim.model.matching.MatchingEngine.apply_history`).
"""

from __future__ import annotations

from collections import deque

import simpy

from sim.model.component import Ports, Receiver
from sim.model.environment import SimulationEnvironment
from sim.model.sampling import DurationSampler
from sim.scenario.standby import AuditConfig


class AuditLog(Ports):
    """Single-writer WAL in front of the books; ``apply`` gets each order once it is durable.

    Args:
        env: The simulation environment.
        config: Write latency, group commit and batch size.
        write: Sampler of one write's duration (built from ``config.write``).
    """

    inputs = ("append", "append_executions")
    outputs = ("apply",)
    apply: Receiver
    """Applies an order once it is durable (the matching engine)."""

    def __init__(
        self, env: SimulationEnvironment, config: AuditConfig, write: DurationSampler
    ) -> None:
        self.env = env
        self.name = "audit"
        self.config = config
        self._batch_limit = config.max_batch if config.group_commit else 1
        self._sample_block = write.sample_block
        self._durations: list[int] = []
        self._pending: deque[int] = deque()
        """Orders waiting for the writer (sequence numbers, in arrival order)."""
        self._pending_executions = 0
        self._batch: list[int] = []
        """Orders in the write now in progress."""
        self._writing = False
        self._generation = 0
        """Bumped by :meth:`crash`; a write of an older generation is void when it ends."""
        self._written = self._write_done
        self.init_outputs()
        self.writes = 0
        self.order_records = 0
        self.execution_records = 0
        self.busy_ns = 0
        self.max_batch = 0
        self.max_pending = 0

    def connect(self, apply: Receiver) -> None:
        """Set what applies a durable order (the matching engine)."""
        self.apply = apply

    @property
    def scheduled_events(self) -> int:
        """One timeout per write."""
        return self.writes

    def append(self, seq: int) -> None:
        """Log order ``seq``; it is applied when its write completes."""
        pending = self._pending
        pending.append(seq)
        if len(pending) > self.max_pending:
            self.max_pending = len(pending)
        if not self._writing:
            self._start_write()

    def append_executions(self, count: int) -> None:
        """Log ``count`` execution records (they ride in the next write, gating nothing)."""
        self._pending_executions += count
        if count and not self._writing:
            self._start_write()

    def _start_write(self) -> None:
        pending = self._pending
        room = self._batch_limit
        if len(pending) <= room:
            batch = list(pending)
            pending.clear()
        else:
            batch = [pending.popleft() for _ in range(room)]
        executions = min(room - len(batch), self._pending_executions)
        self._pending_executions -= executions
        self._batch = batch
        self._writing = True
        durations = self._durations
        if not durations:
            durations = self._durations = self._sample_block()[::-1]
        duration = durations.pop()
        self.writes += 1
        self.busy_ns += duration
        self.order_records += len(batch)
        self.execution_records += executions
        if len(batch) + executions > self.max_batch:
            self.max_batch = len(batch) + executions
        self.env.timeout(duration, self._generation).callbacks.append(self._written)

    def _write_done(self, event: simpy.Event) -> None:
        if event.value != self._generation:
            return  # a write of a crashed engine: its orders were reported lost
        batch, self._batch = self._batch, []
        apply = self.apply
        for seq in batch:
            apply(seq)
        self._writing = False
        if self._pending or self._pending_executions:
            self._start_write()

    def crash(self) -> list[int]:
        """The engine died: lose the write in progress and every waiting record.

        Returns the lost orders in log order (execution records are derived and
        not resent; the standby's replay recreates their trades).
        """
        lost = [*self._batch, *self._pending]
        self._batch = []
        self._pending.clear()
        self._pending_executions = 0
        self._writing = False
        self._generation += 1
        return lost

    def stats(self) -> dict[str, int]:
        """Counters: writes, order and execution records, busy time, largest batch and backlog."""
        return {
            "writes": self.writes,
            "order_records": self.order_records,
            "execution_records": self.execution_records,
            "busy_ns": self.busy_ns,
            "max_batch": self.max_batch,
            "max_pending": self.max_pending,
        }
