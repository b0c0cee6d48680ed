"""A sender's resend timer with exponential backoff, in integer nanoseconds.

A message is resent when its timer expires; each expiry multiplies the timer by an
integer ``factor`` up to ``max_timeout_ns``::

    timeout, timeout * factor, timeout * factor**2, ..., max_timeout, max_timeout, ...

so a message held through an outage of length ``L`` is resent at most about
``log_factor(max_timeout / timeout) + L / max_timeout`` times, where a fixed timer
(``factor = 1``) resends it ``L / timeout`` times: with a 100 us timer and a 260 ms
outage that was 2,600 resends of each of 2,600 held orders, 3.4 million in all.

The factor is an integer (no float multiplier, so no drift in the timestamps), and the
timer never exceeds ``max_timeout_ns``: a message gets through at most one
``max_timeout_ns`` after the outage ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.units import format_ns


@dataclass(frozen=True, slots=True)
class ResendBackoff:
    """The timer schedule: first ``timeout_ns``, times ``factor`` after each expiry, capped.

    Attributes:
        timeout_ns: the first timer (after the original send), > 0.
        factor: integer multiplier per expiry, >= 1 (1: a fixed timer).
        max_timeout_ns: the cap; a cap below ``timeout_ns`` is taken as ``timeout_ns``.
    """

    timeout_ns: int
    factor: int
    max_timeout_ns: int

    def __post_init__(self) -> None:
        """Refuse a schedule that would not advance."""
        if self.timeout_ns <= 0 or self.factor < 1:
            raise ValueError(f"resend backoff needs timeout_ns > 0 and factor >= 1, got {self}")

    @property
    def cap_ns(self) -> int:
        """The longest timer: ``max_timeout_ns``, but never below ``timeout_ns``."""
        return max(self.max_timeout_ns, self.timeout_ns)

    def describe(self) -> str:
        """The schedule in a few words: ``100us x2 up to 100ms`` or ``2ms fixed``."""
        if self.factor == 1 or self.cap_ns == self.timeout_ns:
            return f"{format_ns(self.timeout_ns)} fixed"
        return f"{format_ns(self.timeout_ns)} x{self.factor} up to {format_ns(self.cap_ns)}"

    def following(self, timer_ns: int) -> int:
        """The timer after one that expired: ``timer * factor``, at most :attr:`cap_ns`."""
        return min(timer_ns * self.factor, self.cap_ns)

    def next_resend(self, sent_ns: int, timer_ns: int, now_ns: int) -> tuple[int, int]:
        """When a message last sent at ``sent_ns`` with timer ``timer_ns`` is resent.

        The first expiry after ``now_ns`` (when the loss is seen); expiries that fell while
        the message was still in flight advance the backoff without a resend, as they
        would restart a real sender's timer.

        Returns:
            ``(resend_ns, timer_ns)``: the expiry after ``now_ns`` and the timer that ends
            there (the next timer is :meth:`following` it).
        """
        at = sent_ns + timer_ns
        while at <= now_ns and timer_ns < self.cap_ns and self.factor > 1:
            timer_ns = self.following(timer_ns)
            at += timer_ns
        if at <= now_ns:  # fixed timer from here on: jump whole timers at once
            at += ((now_ns - at) // timer_ns + 1) * timer_ns
        return at, timer_ns

    def timers(self) -> list[int]:
        """The timers from the first until the cap (the last one repeats from then on)."""
        timers = [self.timeout_ns]
        while self.factor > 1 and timers[-1] < self.cap_ns:
            timers.append(self.following(timers[-1]))
        return timers

    def resends_within(self, window_ns: int) -> int:
        """Expiries in ``(0, window_ns]`` after a send: most resends of a message held so long."""
        count, elapsed = 0, 0
        timers = self.timers()
        for timer in timers:
            if elapsed + timer > window_ns:
                return count
            elapsed += timer
            count += 1
        return count + (window_ns - elapsed) // timers[-1]
