"""FIFO stages as whole arrays: start and end times, departure order, queue depth.

One worker is Lindley's recursion ``end_i = max(arrival_i, end_{i-1}) + service_i``,
computed without a loop as ``end_i = S_i + max_{j<=i}(arrival_j - S_{j-1})`` with
``S`` the running sum of services (``numpy.maximum.accumulate``; int64 throughout, so
exact while epoch-ns times plus the summed service stay below 2**63). Several workers
take the earliest free worker in arrival order (a heap of free times: the
Kiefer-Wolfowitz form, exact, one Python step per item). Items leave in order of end
time, ties in start order, which is the SimPy engine's order too: a completion event is
scheduled when its service starts.

Per-session order (``ordering = "session"`` with several workers), and whether a
bounded queue turns an arrival away (``queue_full``), depend on which of an arrival
and a completion at the same nanosecond SimPy processes first;
:func:`session_stage` replays the stage event by event and resolves such ties by when
each event was scheduled (an earlier-scheduled event has the smaller SimPy id). A tie
that this cannot decide raises :class:`AmbiguousOrderError` instead of guessing.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sim.errors import ScenarioError
from sim.model.recorder import NULL

Ints = npt.NDArray[np.int64]
Pauses = Sequence[tuple[int, int]]
"""``[start, end)`` windows of ``pause`` faults on one stage, absolute ns."""


class AmbiguousOrderError(ScenarioError):
    """Two events at one nanosecond whose order the fast engine cannot establish."""


@dataclass(frozen=True, slots=True)
class StageTimes:
    """A stage's schedule, indexed by arrival position.

    Attributes:
        start: Service start of each arrival.
        end: Service end of each arrival.
        departures: Arrival positions in the order their services ended (SimPy's order).
        max_queue_depth: Most items waiting at once (the stage's counter).
        session_waits: Arrivals that waited behind an earlier item of their session.
        rejected: Arrival positions refused ``queue_full`` (their start and end are NULL).
    """

    start: Ints
    end: Ints
    departures: Ints
    max_queue_depth: int
    session_waits: int = 0
    rejected: Ints = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def lindley(arrivals: Ints, service: Ints) -> tuple[Ints, Ints]:
    """Start and end times of a one-worker FIFO server (arrivals in arrival order)."""
    if not arrivals.size:
        return arrivals.copy(), arrivals.copy()
    total = np.cumsum(service)
    end = arrivals - total  # in place from here: fewer fresh arrays (page faults at 10M)
    end += service
    np.maximum.accumulate(end, out=end)
    end += total
    start = np.subtract(end, service, out=total)
    return start, end


def multi_worker(arrivals: Ints, service: Ints, workers: int) -> tuple[Ints, Ints]:
    """Start and end times of a ``workers``-server FIFO queue (earliest free worker first)."""
    free = [-(2**62)] * workers
    replace = heapq.heapreplace
    arrival_list, service_list = arrivals.tolist(), service.tolist()
    start_list = [0] * len(arrival_list)
    for index, arrival in enumerate(arrival_list):
        start = free[0]
        if start < arrival:
            start = arrival
        start_list[index] = start
        replace(free, start + service_list[index])
    starts = np.array(start_list, dtype=np.int64)
    return starts, starts + service


def fifo_stage(arrivals: Ints, scheduled: Ints, service: Ints, workers: int, capacity: int,
               where: str, pauses: Pauses = ()) -> StageTimes:
    """A FIFO stage without session order (event by event where its queue could fill).

    Args:
        arrivals: Arrival times in arrival order.
        scheduled: When each arrival's event was made (see :func:`session_stage`).
        service: Service draws in draw (= start = arrival) order.
        workers: Parallel workers.
        capacity: ``queue_capacity``: waiting items beyond the busy workers.
        where: The stage's name for errors.
        pauses: ``[start, end)`` windows in which the stage starts no service (replayed).
    """
    if pauses:
        unique = np.arange(arrivals.size, dtype=np.int64)
        return session_stage(arrivals, scheduled, unique, service, workers, capacity, where,
                             pauses)
    if workers == 1:
        start, end = lindley(arrivals, service)
    else:
        start, end = multi_worker(arrivals, service, workers)
    positions = np.arange(arrivals.size, dtype=np.int64)
    # An arrival that starts at once found a free worker and an empty queue, unless a
    # service ended at that very nanosecond (then SimPy's event order decides). The rest
    # waited: the items j < i still waiting when i arrives are those starting after it
    # (starts are non-decreasing in arrival order), or, on a tie, at it.
    queued = np.flatnonzero(start > arrivals)
    waiting = queued - np.searchsorted(start, arrivals[queued], side="right")
    depth = int(waiting.max()) + 1 if queued.size else 0
    if workers == 1:
        previous_end = np.concatenate(([-(2**62)], end[:-1])) if end.size else end
        tied = np.flatnonzero((start == arrivals) & (previous_end == arrivals))
        met = _one_worker_ties(tied, scheduled, start, service)
        if met is not None:  # each tie found nobody waiting: it queued (depth 1) or not
            depth = max(depth, 1 if met else 0)
            tied = tied[:0] if met < 1 or capacity >= 1 else tied
    else:
        tied = np.flatnonzero(_ends_at_some(end, arrivals) & (start == arrivals))
    maybe = np.concatenate((queued, tied))
    at_most = maybe - np.searchsorted(start, arrivals[maybe], side="left")
    deeper = maybe[at_most + 1 > depth]
    if (deeper.size and _ends_at_some(end, arrivals[deeper]).any()) or (
            at_most.size and int(at_most.max()) >= capacity):
        # A full queue, or a same-nanosecond tie that could change the depth: replay.
        unique = np.arange(arrivals.size, dtype=np.int64)
        return session_stage(arrivals, scheduled, unique, service, workers, capacity, where)
    departures = positions if workers == 1 else np.argsort(end, kind="stable").astype(np.int64)
    return StageTimes(start, end, departures, depth)


def _one_worker_ties(tied: Ints, scheduled: Ints, start: Ints, service: Ints) -> int | None:
    """Whether a one-worker stage's same-ns arrivals found the worker busy (1) or not (0).

    An arrival at the nanosecond the previous service ends comes first when its event
    was made before that service's end event, i.e. before the service started. None
    when a tie is not of this simple kind (zero-length services, unknown or equal
    times): the caller replays the stage.
    """
    if not tied.size:
        return 0
    if (scheduled[tied] < 0).any() or (service == 0).any():
        return None
    made, ending_made = scheduled[tied], start[tied - 1]
    if (made == ending_made).any():
        return None
    return int((made < ending_made).any())


def _ends_at_some(end: Ints, moments: Ints) -> npt.NDArray[np.bool_]:
    """Whether some service ends exactly at each of ``moments``."""
    ends = np.sort(end)
    found = np.minimum(np.searchsorted(ends, moments), max(ends.size - 1, 0))
    return ends[found] == moments if ends.size else np.zeros(moments.size, dtype=bool)


def publisher_line(arrivals: Ints, service: Ints, workers: int, capacity: int
                   ) -> tuple[Ints, Ints, int] | None:
    """Starts, ends and deepest wait of the closed-form publisher, if nothing is turned away.

    The publisher (``MarketDataPublisher.arrive``) admits by its
    :class:`~sim.core.waiting_line.WaitingLine`: messages still waiting are the accepted
    ones whose start is after the arrival (strictly; no event order is involved). None
    when some arrival would find ``capacity`` waiting (then the caller replays it).
    """
    if workers == 1:
        start, end = lindley(arrivals, service)
    else:
        start, end = multi_worker(arrivals, service, workers)
    positions = np.arange(arrivals.size, dtype=np.int64)
    waiting = positions - np.searchsorted(start, arrivals, side="right")
    queued = start > arrivals
    if queued.any() and int(waiting[queued].max()) >= capacity:
        return None
    depth = int((waiting[queued] + 1).max()) if queued.any() else 0
    return start, end, depth


def session_stage(arrivals: Ints, scheduled: Ints, sessions: Ints, service: Ints,
                  workers: int, capacity: int, where: str, pauses: Pauses = ()) -> StageTimes:
    """A multi-worker stage keeping each session's items in order (``sim.model.server``).

    Args:
        arrivals: Arrival times in arrival order.
        scheduled: When each arrival's event was scheduled (its sender's time); -1 when
            it is handed over inside the sender's own event (its order is not known).
        sessions: Session key of each arrival.
        service: Service draws, consumed in start order.
        workers: Parallel workers.
        capacity: Waiting items allowed (queue plus session backlogs).
        where: The stage's name for errors.
        pauses: ``[start, end)`` windows of ``pause`` faults. Their edges were scheduled
            before the run started, so at their nanosecond they come before every other
            event; a resume starts queued items on the free workers at once.
    """
    count = arrivals.size
    start = np.full(count, NULL, dtype=np.int64)
    end = np.full(count, NULL, dtype=np.int64)
    departures: list[int] = []
    arrival_list, sched_list = arrivals.tolist(), scheduled.tolist()
    session_list, service_list = sessions.tolist(), service.tolist()
    state = _SessionState(workers, capacity)
    completions: list[tuple[int, int, int, int]] = []
    """Heap of (end, start time, start counter, position)."""
    draws = iter(service_list)

    def serve(position: int, now: int) -> None:
        duration = next(draws)
        start[position] = now
        end[position] = now + duration
        heapq.heappush(completions, (now + duration, now, state.started, position))
        state.started += 1

    edges = sorted((moment, order, delta) for number, (first, last) in enumerate(pauses)
                   for order, moment, delta in ((2 * number, first, 1),
                                                (2 * number + 1, last, -1)))
    index = edge = 0
    while index < count or completions or edge < len(edges):
        if edge < len(edges) and all(edges[edge][0] <= moment for moment in (
                arrival_list[index] if index < count else edges[edge][0],
                completions[0][0] if completions else edges[edge][0])):
            moment, _, delta = edges[edge]
            edge += 1
            for position in state.pause(delta):
                serve(position, moment)
            continue
        if index < count and (not completions or _arrival_first(
                arrival_list[index], sched_list[index], completions[0], where)):
            now = arrival_list[index]
            if state.arrive(index, session_list[index]):
                serve(index, now)
            elif index in state.refused:
                state.rejected.append(index)
            index += 1
            continue
        done, _, _, position = heapq.heappop(completions)
        departures.append(position)
        following = state.complete(session_list[position])
        if following is not None:
            serve(following, done)
    return StageTimes(start, end, np.array(departures, dtype=np.int64), state.max_depth,
                      state.session_waits, np.array(state.rejected, dtype=np.int64))


def _arrival_first(arrival: int, scheduled: int, completion: tuple[int, int, int, int],
                   where: str) -> bool:
    """Whether SimPy processes this arrival before the earliest pending completion."""
    done, started = completion[0], completion[1]
    if arrival != done:
        return arrival < done
    if scheduled < 0 or scheduled == started:
        raise AmbiguousOrderError(
            f"topology.{where}: an arrival and a service end at the same nanosecond ({done}) "
            "whose order the fast engine cannot establish; use engine = \"simpy\"")
    return scheduled < started


class _SessionState:
    """Busy workers, the shared queue and per-session backlogs (``Stage`` in session order)."""

    def __init__(self, workers: int, capacity: int) -> None:
        self.workers = workers
        self.limit = workers
        """Workers that may start service now: ``workers``, or 0 while paused."""
        self.pauses = 0
        self.capacity = capacity
        self.busy = 0
        self.started = 0
        self.queue: deque[int] = deque()
        self.present: dict[int, int] = {}
        self.backlogs: dict[int, deque[int]] = {}
        self.backlogged = 0
        self.max_depth = 0
        self.session_waits = 0
        self.refused: set[int] = set()
        """Positions turned away ``queue_full`` (looked up right after :meth:`arrive`)."""
        self.rejected: list[int] = []
        """The same positions, in arrival order."""

    def arrive(self, position: int, session: int) -> bool:
        """Take an arrival; True when it starts service now."""
        count = self.present.get(session, 0)
        if not count and self.busy < self.limit:
            self.busy += 1
            self.present[session] = 1
            return True
        depth = len(self.queue) + self.backlogged
        if depth >= self.capacity:
            self.refused.add(position)
            return False
        self.present[session] = count + 1
        self.max_depth = max(self.max_depth, depth + 1)
        if not count:
            self.queue.append(position)
            return False
        self.session_waits += 1
        self.backlogged += 1
        self.backlogs.setdefault(session, deque()).append(position)
        return False

    def complete(self, session: int) -> int | None:
        """A service of ``session`` ended; return the position that starts next, if any."""
        count = self.present[session] - 1
        if count:
            self.present[session] = count
            backlog = self.backlogs[session]
            self.queue.append(backlog.popleft())
            self.backlogged -= 1
            if not backlog:
                del self.backlogs[session]
        else:
            del self.present[session]
        if self.queue and self.busy <= self.limit:
            return self.queue.popleft()
        self.busy -= 1
        return None

    def pause(self, delta: int) -> list[int]:
        """Open (+1) or close (-1) a pause; return the positions a final resume starts."""
        self.pauses += delta
        if self.pauses > 0:
            self.limit = 0
            return []
        self.limit = self.workers
        started = []
        while self.queue and self.busy < self.workers:
            started.append(self.queue.popleft())
            self.busy += 1
        return started
