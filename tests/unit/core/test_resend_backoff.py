"""Resend timer backoff: integer schedule, capped, expiries in flight, worst-case counts."""

from __future__ import annotations

import pytest

from sim.core.resend_backoff import ResendBackoff

MS = 1_000_000


def test_timers_double_up_to_the_cap_in_integers() -> None:
    assert ResendBackoff(2 * MS, 2, 10 * MS).timers() == [2 * MS, 4 * MS, 8 * MS, 10 * MS]
    assert ResendBackoff(100_000, 2, 100 * MS).timers() == [
        100_000, 200_000, 400_000, 800_000, 1_600_000, 3_200_000, 6_400_000, 12_800_000,
        25_600_000, 51_200_000, 100_000_000]
    assert ResendBackoff(3, 3, 1_000).timers() == [3, 9, 27, 81, 243, 729, 1_000]


def test_fixed_timer_and_a_cap_below_the_timeout() -> None:
    assert ResendBackoff(2 * MS, 1, 100 * MS).timers() == [2 * MS]
    below = ResendBackoff(5 * MS, 2, 1 * MS)
    assert below.cap_ns == 5 * MS
    assert below.timers() == [5 * MS]
    assert below.describe() == "5ms fixed"
    assert ResendBackoff(2 * MS, 1, 100 * MS).describe() == "2ms fixed"
    assert ResendBackoff(100_000, 2, 100 * MS).describe() == "100us x2 up to 100ms"


def test_next_resend_is_the_first_expiry_after_the_loss() -> None:
    backoff = ResendBackoff(2 * MS, 2, 10 * MS)
    assert backoff.next_resend(0, 2 * MS, 10_000) == (2 * MS, 2 * MS)
    # expiries at 2 and 6 ms passed while in flight: they advance the timer, unsent
    assert backoff.next_resend(0, 2 * MS, 7 * MS) == (14 * MS, 8 * MS)
    # capped: whole 10 ms timers are jumped at once (expiries 2, 6, 14, 24, 34, ... ms)
    assert backoff.next_resend(0, 2 * MS, 1_000 * MS) == (1_004 * MS, 10 * MS)
    assert backoff.next_resend(0, 2 * MS, 14 * MS) == (24 * MS, 10 * MS)
    assert backoff.following(8 * MS) == 10 * MS


def test_fixed_timer_keeps_the_old_every_timeout_arithmetic() -> None:
    """factor 1: ``sent + ((now - sent) // timeout + 1) * timeout``, as before backoff."""
    backoff = ResendBackoff(100_000, 1, 100 * MS)
    for sent, now in ((0, 0), (5, 99_999), (5, 100_005), (7, 1_234_567_891)):
        expected = sent + ((now - sent) // 100_000 + 1) * 100_000
        assert backoff.next_resend(sent, 100_000, now) == (expected, 100_000)


def test_resends_within_a_window_bound_the_storm() -> None:
    """A 260.85 ms outage: a fixed 100 us timer resends 2,608 times, x2 up to 100 ms 11."""
    outage = 260_850_000
    assert ResendBackoff(100_000, 1, 100 * MS).resends_within(outage) == 2_608
    assert ResendBackoff(100_000, 2, 100 * MS).resends_within(outage) == 11
    assert ResendBackoff(2 * MS, 2, 10 * MS).resends_within(13_999_999) == 2
    assert ResendBackoff(2 * MS, 2, 10 * MS).resends_within(14 * MS) == 3
    assert ResendBackoff(2 * MS, 2, 10 * MS).resends_within(44 * MS) == 6


def test_a_schedule_that_cannot_advance_is_refused() -> None:
    with pytest.raises(ValueError, match="timeout_ns > 0 and factor >= 1"):
        ResendBackoff(0, 2, MS)
    with pytest.raises(ValueError, match="timeout_ns > 0 and factor >= 1"):
        ResendBackoff(MS, 0, MS)
