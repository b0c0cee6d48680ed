"""The SimPy environment of a run, typed for integer nanosecond time.

SimPy accepts any number as time; ticktwin only ever schedules ``int`` delays
from an ``int`` start, so ``now`` is always an ``int``. This subclass only
narrows the types (and adds :meth:`next_event_ns`); it changes no behaviour.
"""

from __future__ import annotations

import simpy


class SimulationEnvironment(simpy.Environment):
    """A ``simpy.Environment`` whose clock is ``int`` nanoseconds.

    Args:
        initial_time_ns: Simulation time at the start (usually the first event's ts).
    """

    def __init__(self, initial_time_ns: int = 0) -> None:
        if isinstance(initial_time_ns, bool) or not isinstance(initial_time_ns, int):
            raise TypeError(f"simulation time is int ns, got {initial_time_ns!r}")
        super().__init__(initial_time_ns)

    @property
    def now(self) -> int:
        """Current simulation time in ns."""
        return self._now  # type: ignore[return-value]

    def next_event_ns(self) -> int | None:
        """Time of the next scheduled event, or None when nothing is scheduled."""
        when = self.peek()
        return None if when == simpy.core.Infinity else int(when)
