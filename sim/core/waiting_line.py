"""The bounded waiting line of a queue computed in closed form (publisher, subscribers).

A server that never reacts in simulated time can be computed at arrival: each
message's start time is known then (Lindley's recursion), so the messages
*waiting* at time ``t`` are exactly the accepted ones whose start is still after
``t``. :class:`WaitingLine` keeps those start times (non-decreasing, as FIFO
starts are) and says whether a new arrival fits under the bound.
"""

from __future__ import annotations

from collections import deque


class WaitingLine:
    """Start times, still in the future, of accepted messages; at most ``capacity`` of them.

    Args:
        capacity: Most messages that may wait (the queue or buffer size).
    """

    __slots__ = ("_starts", "capacity", "max_depth")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._starts: deque[int] = deque()
        self.max_depth = 0
        """Most messages ever waiting at once."""

    def admit(self, arrival_ns: int, start_ns: int) -> bool:
        """Whether a message arriving at ``arrival_ns`` that would start at ``start_ns`` fits.

        A fitting message that must wait (``start_ns > arrival_ns``) joins the line.
        Arrivals come in non-decreasing time.
        """
        starts = self._starts
        while starts and starts[0] <= arrival_ns:
            starts.popleft()
        if start_ns <= arrival_ns:
            return True
        depth = len(starts)
        if depth >= self.capacity:
            return False
        starts.append(start_ns)
        if depth >= self.max_depth:
            self.max_depth = depth + 1
        return True
