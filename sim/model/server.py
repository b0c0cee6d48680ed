"""A callback-driven server: workers, a service-time sampler and a bounded FIFO queue.

A :class:`Stage` is a deque and a busy count. An arrival starts service at once
when a worker is free, otherwise it waits in the queue; a full queue rejects
the item with reason ``queue_full`` (never a silent drop). Service completion
is one plain scheduled call of the stage's own ``_complete(item)``
(:meth:`SimulationEnvironment.call_at`, ordered exactly as an ``env.timeout`` would be,
without creating an event): no SimPy process and no ``Resource`` per item.

A stage can be *paused* (a scheduled GC-like stall, ``[[faults]]`` kind ``pause``):
while paused it starts no new service, arrivals queue (a full queue still
rejects), items already in service finish, and :meth:`Stage.resume` starts queued
items on the free workers. Pausing costs nothing when unused: the start check
compares against ``_limit`` (``workers``, or 0 while paused) either way.

Items are ``int`` order sequence numbers. When stamp columns are given, the
stage writes the arrival, service start and service end time of each item.

*Session order* (``ordering = "session"``, the default, with more than one worker):
a message does not start service while an earlier message of its session
(:mod:`sim.model.sessions`: the account, or a hash of symbol and order id) is
queued or in service at this stage, so a cancel never overtakes its own add.
Workers stay shared: such a message waits in its session's backlog, and when the
earlier one's service ends it joins the tail of the shared queue. This is the
ordered executor of a thread-pool gateway (Java's ``SerialExecutor`` pattern: a
session's next task is submitted to the pool when its previous one finishes);
the other common design, each session pinned to one worker with its own queue
(an event loop per thread), was not taken: it turns one M/G/c queue into c M/G/1
queues that do not help each other, so numbers would move for every message, not
only for the few that follow their own session, and ``queue_capacity`` would have
to be split per worker. The queue bound counts backlogged messages too. Only the
ordered path pays for it (a key read and a dict update per arrival and per
completion, chosen when the stage is built); ``ordering = "none"`` and one-worker stages run the
unordered code unchanged. A stage built without per-order columns has no
sessions and runs unordered.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Protocol

from sim.core.vocabulary import RejectReason
from sim.model.component import Ports, Unwired
from sim.model.environment import SimulationEnvironment
from sim.model.recorder import OrderRecorder
from sim.model.sampling import DurationSampler
from sim.model.sessions import OrderSessions
from sim.scenario.schema import StageConfig, StageOrdering

QUEUE_FULL = RejectReason.QUEUE_FULL
"""Reject reason of an arrival that found the queue full (bound once: used per reject)."""

Handler = Callable[[int], None]
"""Receives an item (an order sequence number)."""
RejectHandler = Callable[[int, RejectReason], None]
"""Receives a rejected item and the reason."""


class StageStamps:
    """Where a stage writes each item's ``in``, ``start`` and ``out`` times (or nowhere)."""

    __slots__ = ("arrival", "end", "recorder", "start")

    def __init__(self, arrival: memoryview, start: memoryview, end: memoryview,
                 recorder: OrderRecorder | None = None) -> None:
        self.arrival = arrival
        self.start = start
        self.end = end
        self.recorder = recorder
        """The per-order columns the stamps belong to (sessions are read there), or None."""

    @classmethod
    def of(cls, recorder: OrderRecorder, stage: str) -> StageStamps:
        """The recorder's ``ts_<stage>_in_ns`` / ``_start_ns`` / ``_out_ns`` columns."""
        return cls(recorder.view(f"ts_{stage}_in_ns"), recorder.view(f"ts_{stage}_start_ns"),
                   recorder.view(f"ts_{stage}_out_ns"), recorder)


class InService:
    """A service in progress at a crashable stage, hashed by identity (a resent item's)."""

    __slots__ = ("item",)

    def __init__(self, item: int) -> None:
        self.item = item


class Stage(Ports):
    """A FIFO multi-worker server driven by timeout callbacks.

    Args:
        env: The simulation environment.
        name: Scope name, e.g. ``"stage.gateway"`` (used in stats and errors).
        config: Workers, service distribution and queue capacity.
        service: Service-time sampler built from ``config.service``.
        stamps: Columns to stamp arrival/start/end into, or None.
    """

    inputs = ("arrive",)
    outputs = ("on_done", "on_reject")
    """Served items, refused items (a subclass declares its own in their place)."""

    def __init__(
        self,
        env: SimulationEnvironment,
        name: str,
        config: StageConfig,
        service: DurationSampler,
        stamps: StageStamps | None = None,
    ) -> None:
        self.env = env
        self.name = name
        self.config = config
        self.workers = config.workers
        self._limit = config.workers
        """Workers that may start service now: ``workers``, or 0 while paused."""
        self._pauses = 0
        """Pause windows now open (they may overlap)."""
        self.queue_capacity = config.queue_capacity
        self._sample_block = service.sample_block
        self._durations: list[int] = []
        """Service times drawn ahead, next one last."""
        self._call_at = env.call_at
        self._queue: deque[int] = deque()
        self._complete_callback = self._complete  # bound once, not per service
        self.on_done: Handler = Unwired(name, "on_done")
        self.on_reject: RejectHandler = Unwired(name, "on_reject")
        self._stamps = stamps
        self._stamp_in = stamps.arrival if stamps else None
        self._stamp_start = stamps.start if stamps else None
        self._stamp_out = stamps.end if stamps else None
        self.busy = 0
        self.arrivals = 0
        self.served = 0
        self.rejected = 0
        self.rejected_by_reason: dict[str, int] = {}
        """Rejects by reason label (the ``rejected.<label>`` counters)."""
        self.busy_ns = 0
        """Sum of the service times of every started item."""
        self._backlogged = 0
        """Items waiting behind an earlier item of their session (session order only)."""
        self.ordered = False
        """Whether each session's items are kept in order (see the module note)."""
        self.session_waits = 0
        """Arrivals that waited behind an earlier item of their session."""
        self.max_queue_depth = 0
        self.arrive: Handler = self._arrive_any_order
        """Accept an item now: serve it, queue it, or reject it with ``queue_full``."""
        recorder = stamps.recorder if stamps else None
        if config.ordering is StageOrdering.SESSION and config.workers > 1 and recorder:
            self._order_sessions(OrderSessions(recorder, config.sessions))

    def connect(self, on_done: Handler, on_reject: RejectHandler) -> None:
        """Set where served items and rejected items go."""
        self.on_done = on_done
        self.on_reject = on_reject

    @property
    def scheduled_events(self) -> int:
        """One timeout per service."""
        return self.served

    @property
    def queue_depth(self) -> int:
        """Items waiting (not in service) now."""
        return len(self._queue) + self._backlogged

    def _arrive_any_order(self, item: int) -> None:
        """:meth:`arrive` without sessions: the first waiting item takes the next worker."""
        self.arrivals += 1
        stamp_in = self._stamp_in
        if self.busy < self._limit:
            self.busy += 1
            if stamp_in is not None:
                now = self.env.now
                stamp_in[item] = now
                self._stamp_start[item] = now  # type: ignore[index]
            self._serve(item)
            return
        if stamp_in is not None:
            stamp_in[item] = self.env.now
        queue = self._queue
        depth = len(queue)
        if depth < self.queue_capacity:
            queue.append(item)
            if depth >= self.max_queue_depth:
                self.max_queue_depth = depth + 1
            return
        self._refuse_full(item)

    def _refuse_full(self, item: int) -> None:
        """Reject ``item``: the queue is full."""
        self.count_reject(QUEUE_FULL)
        self.on_reject(item, QUEUE_FULL)

    def _order_sessions(self, sessions: OrderSessions) -> None:
        """Keep each session's items in order from now on (before the run starts)."""
        self.ordered = True
        self._session_of = sessions.of
        self._session_keys = sessions.keys
        """Keys already computed by ``_session_of``, read directly when a service ends."""
        self._present: dict[int, int] = {}
        """Sessions with items at the stage: how many (one queued or in service, the rest
        in the backlog)."""
        self._backlogs: dict[int, deque[int]] = {}
        """Items of each session waiting behind its queued or in-service one, in order."""
        self.arrive = self._arrive_in_session_order
        self._complete_callback = self._complete_in_session_order

    def _arrive_in_session_order(self, item: int) -> None:
        """:meth:`arrive` with sessions: wait in the session's backlog behind an earlier item."""
        self.arrivals += 1
        session = self._session_of(item)
        present = self._present
        count = present.get(session, 0)
        stamps = self._stamps
        if not count and self.busy < self._limit:
            self.busy += 1
            present[session] = 1
            if stamps is not None:
                stamps.arrival[item] = stamps.start[item] = self.env.now
            self._serve(item)
            return
        if stamps is not None:
            stamps.arrival[item] = self.env.now
        queue = self._queue
        depth = len(queue) + self._backlogged
        if depth >= self.queue_capacity:
            self._refuse_full(item)
            return
        present[session] = count + 1
        if depth >= self.max_queue_depth:
            self.max_queue_depth = depth + 1
        if not count:
            queue.append(item)
            return
        self.session_waits += 1
        self._backlogged += 1
        backlog = self._backlogs.get(session)
        if backlog is None:
            self._backlogs[session] = deque((item,))
        else:
            backlog.append(item)

    def _complete_in_session_order(self, item: int) -> None:
        """The session's next item (if any) joins the queue's tail, then as :meth:`_complete`."""
        session = self._session_keys[item]
        present = self._present
        count = present[session] - 1
        if count:
            present[session] = count
            backlog = self._backlogs[session]
            self._queue.append(backlog.popleft())
            self._backlogged -= 1
            if not backlog:
                del self._backlogs[session]
        else:
            del present[session]
        self._complete(item)

    def _serve(self, item: int) -> None:
        """Schedule ``item``'s completion after its service time (a worker is held)."""
        self._call_at(self.env.now + self._next_service_ns(), self._complete_callback, item)

    def _next_service_ns(self) -> int:
        """The next service time (drawn ahead in blocks), added to ``busy_ns``."""
        durations = self._durations
        if not durations:
            durations = self._durations = self._sample_block()[::-1]
        duration = durations.pop()
        self.busy_ns += duration
        return duration

    def count_reject(self, reason: RejectReason) -> None:
        """Count one rejected item under ``reason`` (for subclasses' own checks too)."""
        self.rejected += 1
        label = reason.label
        self.rejected_by_reason[label] = self.rejected_by_reason.get(label, 0) + 1

    def _complete(self, item: int) -> None:
        """Service of ``item`` ended: start the next waiting item, pass this one on."""
        stamp_out = self._stamp_out
        if stamp_out is not None:
            now = self.env.now
            stamp_out[item] = now
        self.served += 1
        queue = self._queue
        if queue and self.busy <= self._limit:
            waiting = queue.popleft()
            if stamp_out is not None:
                self._stamp_start[waiting] = now  # type: ignore[index]
            self._serve(waiting)
        else:
            self.busy -= 1
        self.on_done(item)

    def pause(self) -> None:
        """Start no new service until the matching :meth:`resume` (pauses may nest)."""
        self._pauses += 1
        self._limit = 0

    def resume(self) -> None:
        """End one pause; when none is left, start queued items on every free worker."""
        self._pauses -= 1
        if self._pauses > 0:
            return
        self._limit = self.workers
        queue = self._queue
        while queue and self.busy < self.workers:
            waiting = queue.popleft()
            self.busy += 1
            if self._stamp_start is not None:
                self._stamp_start[waiting] = self.env.now
            self._serve(waiting)

    def arm_crash(self) -> None:
        """Make :meth:`crash` possible: track the completions in flight (before the run starts).

        Unarmed stages (every stage of a run without a failover) pay nothing for it.
        """
        in_service: dict[InService, None] = {}
        lost: set[InService] = set()
        complete = self._complete_callback

        def serve_tracked(item: int) -> None:
            service = InService(item)
            in_service[service] = None
            self._call_at(self.env.now + self._next_service_ns(), complete_unless_lost, service)

        def complete_unless_lost(service: InService) -> None:
            if service in lost:
                lost.discard(service)
                return
            del in_service[service]
            complete(service.item)

        self._serve = serve_tracked  # type: ignore[method-assign]
        self._in_service, self._lost_completions = in_service, lost

    def crash(self) -> list[int]:
        """The server died: lose every item in service and in the queue; all workers free again.

        Returns the lost items, those in service first (in start order), then the queue.
        Their pending completions are ignored when they fire. Needs :meth:`arm_crash`.
        """
        in_service = self._in_service
        lost = [service.item for service in in_service]
        self._lost_completions.update(in_service)
        in_service.clear()
        lost.extend(self._queue)
        self._queue.clear()
        self.busy = 0
        if self._backlogged:
            lost.extend(item for backlog in self._backlogs.values() for item in backlog)
            self._backlogs.clear()
            self._backlogged = 0
        if self.ordered:
            self._present.clear()
        return lost

    def stats(self) -> dict[str, int]:
        """Counters: arrivals, served, rejected (also per reason), busy_ns, queue, workers."""
        counters = server_counters(self)
        if self.ordered:
            counters["session_waits"] = self.session_waits
        for reason, count in sorted(self.rejected_by_reason.items()):
            counters[f"rejected.{reason}"] = count
        return counters


class ServerCounts(Protocol):
    """The counters every server keeps (a :class:`Stage`, the market-data publisher)."""

    arrivals: int
    served: int
    rejected: int
    busy_ns: int
    workers: int

    @property
    def max_queue_depth(self) -> int:
        """Most items ever waiting at once."""
        ...


def server_counters(server: ServerCounts) -> dict[str, int]:
    """The counters every server reports, in the order ``stats()`` lists them."""
    return {
        "arrivals": server.arrivals,
        "served": server.served,
        "rejected": server.rejected,
        "busy_ns": server.busy_ns,
        "max_queue_depth": server.max_queue_depth,
        "workers": server.workers,
    }
