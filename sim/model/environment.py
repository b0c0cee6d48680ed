"""The SimPy environment of a run, typed for integer nanosecond time, with plain calls.

SimPy accepts any number as time; ticktwin only ever schedules ``int`` delays
from an ``int`` start, so ``now`` is always an ``int``.

:meth:`SimulationEnvironment.call_at` schedules a plain ``callback(arg)`` in SimPy's own
event queue, keyed exactly like a ``Timeout`` (time, ``NORMAL`` priority, the shared event
counter), so it runs in the same order a timeout scheduled at that moment would: results
are identical, but no ``Event`` object, callback list or ``schedule`` call is made. Stage
service ends and link deliveries, six per order, use it; everything else stays SimPy.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import StopSimulation
from simpy.events import NORMAL

PlainCall = tuple[Callable[[Any], None], Any]
"""A scheduled ``(callback, argument)`` pair: the cheap alternative to a ``Timeout``."""


class SimulationEnvironment(simpy.Environment):
    """A ``simpy.Environment`` whose clock is ``int`` nanoseconds, with plain scheduled calls.

    Args:
        initial_time_ns: Simulation time at the start (usually the first event's ts).
    """

    now: int = 0
    """Current simulation time in ns: a plain attribute kept equal to SimPy's ``_now``.

    SimPy's ``now`` is a property; read ~18 times per order, its call was the most
    frequent one of a run. This class attribute shadows it, and :meth:`step` and
    :meth:`run` (the only places time moves) set it with ``_now``.
    """

    def __init__(self, initial_time_ns: int = 0) -> None:
        if isinstance(initial_time_ns, bool) or not isinstance(initial_time_ns, int):
            raise TypeError(f"simulation time is int ns, got {initial_time_ns!r}")
        super().__init__(initial_time_ns)
        self.now = initial_time_ns

    def next_event_ns(self) -> int | None:
        """Time of the next scheduled event, or None when nothing is scheduled."""
        when = self.peek()
        return None if when == simpy.core.Infinity else int(when)

    def call_at(self, when_ns: int, callback: Callable[[Any], None], arg: Any) -> None:
        """Call ``callback(arg)`` at ``when_ns`` (``>= now``), ordered as a timeout would be."""
        queue: list[Any] = self._queue
        heappush(queue, (when_ns, NORMAL, next(self._eid), (callback, arg)))

    def step(self) -> None:
        """Process the next event or plain call (SimPy's ``step`` for anything else)."""
        queue: list[Any] = self._queue
        if queue and queue[0][3].__class__ is tuple:
            self._now = self.now = queue[0][0]
            _, _, _, (callback, arg) = heappop(queue)
            callback(arg)
            return
        if queue:
            self.now = queue[0][0]
        super().step()

    def run(self, until: simpy.core.SimTime | simpy.Event | None = None) -> Any:
        """Run until nothing is scheduled (or ``until``, through SimPy's own loop).

        Without ``until`` this is SimPy's loop with :meth:`step` inlined: a plain call is a
        heap pop and a call; an event runs its callbacks and crashes the run when it failed
        undefused, as in ``simpy.Environment.step``.
        """
        if until is not None:
            return super().run(until)
        queue: list[Any] = self._queue
        try:
            while queue:
                now, _, _, event = heappop(queue)
                self._now = self.now = now
                if event.__class__ is tuple:
                    event[0](event[1])
                    continue
                callbacks, event.callbacks = event.callbacks, None
                for callback in callbacks:
                    callback(event)
                if not event._ok and not hasattr(event, "_defused"):
                    failure = event._value
                    exc = type(failure)(*failure.args)
                    exc.__cause__ = failure
                    raise exc
        except StopSimulation as stop:  # only ``until`` stops SimPy; kept for parity
            return stop.args[0]
        return None
