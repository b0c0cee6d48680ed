"""The arithmetic of a failover's timeline: when heartbeats detect it, how long a replay takes."""

from __future__ import annotations


def detection_ns(failed_ns: int, origin_ns: int, interval_ns: int, missed_beats: int) -> int:
    """When the monitor declares the primary dead: at its ``missed_beats``-th missed heartbeat.

    Beats are due at ``origin + k * interval``; the first missed one is the first due at or
    after the failure.
    """
    beats_before = -(-(failed_ns - origin_ns) // interval_ns)
    first_missed = origin_ns + beats_before * interval_ns
    return first_missed + (missed_beats - 1) * interval_ns


def replay_duration_ns(records: int, replay_rate: int) -> int:
    """Time to replay ``records`` WAL records at ``replay_rate`` per second (rounded up)."""
    return -(-records * 1_000_000_000 // replay_rate)
