"""Failover timeline arithmetic: heartbeat detection and WAL replay time."""

from __future__ import annotations

from sim.core.failover_timing import detection_ns, replay_duration_ns


def test_detection_is_the_last_missed_heartbeat() -> None:
    assert detection_ns(1_500, 0, 1_000, 3) == 4_000  # beats due 2000, 3000, 4000 missed
    assert detection_ns(2_000, 0, 1_000, 1) == 2_000  # the beat due at the failure is missed
    assert detection_ns(10_001, 1, 1_000, 2) == 11_001


def test_replay_time_is_records_over_rate_rounded_up() -> None:
    assert replay_duration_ns(3, 2_000_000) == 1_500
    assert replay_duration_ns(1, 3) == 333_333_334
    assert replay_duration_ns(0, 5) == 0
