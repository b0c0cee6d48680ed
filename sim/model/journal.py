"""The matching engine's write-ahead journal and snapshots, what a standby rebuilds from.

Every order and history row the engine applies is journaled; every
``snapshot_interval`` from the origin the journal restarts at a snapshot of the
engine's state. A snapshot is taken lazily, just before the first record at or
after each boundary (or at a failure): the books then are the books at the
boundary, and no event is scheduled. Only a snapshot a standby will load is
serialized (the last boundary before each scheduled failover): the others could
never be read, and pickling large books every interval would dominate the run.
Serializing is what a real snapshot does, and pickle is far faster than
``copy.deepcopy``; loading it makes new objects.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Collection
from typing import NamedTuple

from sim.core.book import OrderBook


class HistoryRow(NamedTuple):
    """One history row as the journal keeps it (and as the engine holds it while down)."""

    source: int
    action: int
    """An ``OrderAction`` code."""
    symbol: int
    venue_id: int
    side: int
    price: int | None
    qty: int | None
    tif: str | None


JournalEntry = int | HistoryRow
"""One journal record: a model order's sequence number, or a history row."""
EngineState = tuple[list[OrderBook], dict[tuple[int, int], dict[int, int]], int]
"""What a snapshot holds: the books, the venue-id maps and the next history book id."""


class WriteAheadJournal:
    """Records since the last snapshot, and the snapshot a standby would load.

    Args:
        origin_ns: Where snapshot boundaries count from.
        interval_ns: Time between snapshot boundaries.
        failures_ns: Scheduled failure times (their last boundary's snapshot is serialized).
        state: Returns the engine state to snapshot.
    """

    def __init__(
        self,
        origin_ns: int,
        interval_ns: int,
        failures_ns: Collection[int],
        state: Callable[[], EngineState],
    ) -> None:
        self._origin_ns = origin_ns
        self._interval_ns = interval_ns
        self._state = state
        self._loaded = {self.boundary(failure) for failure in failures_ns}
        """Boundaries whose snapshot a standby loads (the rest are not serialized)."""
        self.records: list[JournalEntry] = []
        """Records applied since the last snapshot: what a standby replays."""
        self.journaled = 0
        """Records applied since the run started."""
        self._snapshot: bytes | None = None
        self.snapshot_bytes = 0
        self.snapshot_at_ns = 0
        self.snapshots = 0
        self._next_snapshot_ns = 0
        self.take_snapshot(origin_ns)

    def boundary(self, ts_ns: int) -> int:
        """The last snapshot boundary at or before ``ts_ns``."""
        origin, interval = self._origin_ns, self._interval_ns
        return origin + (ts_ns - origin) // interval * interval

    def log(self, entry: JournalEntry, ts_ns: int) -> None:
        """Journal ``entry`` applied at ``ts_ns`` (snapshotting first if a boundary passed)."""
        if ts_ns >= self._next_snapshot_ns:
            self.take_snapshot(self.boundary(ts_ns))
        self.records.append(entry)
        self.journaled += 1

    def catch_up(self, now_ns: int) -> None:
        """Take the snapshot of the last boundary before ``now_ns`` if it is due (at a failure)."""
        if now_ns >= self._next_snapshot_ns:
            self.take_snapshot(self.boundary(now_ns))

    def take_snapshot(self, at_ns: int) -> None:
        """Snapshot the engine state as of boundary ``at_ns``; the journal restarts here."""
        if at_ns in self._loaded:
            self._snapshot = pickle.dumps(self._state(), pickle.HIGHEST_PROTOCOL)
            self.snapshot_bytes = len(self._snapshot)
        self.snapshot_at_ns = at_ns
        self._next_snapshot_ns = at_ns + self._interval_ns
        self.records = []
        self.snapshots += 1

    def load(self) -> EngineState:
        """The last serialized snapshot, as new objects."""
        assert self._snapshot is not None, "no snapshot was serialized for this failure"
        state: EngineState = pickle.loads(self._snapshot)
        return state
