"""Per-key token buckets with exact integer refill (a gateway's order rate limit).

A bucket holds up to ``burst`` tokens and gains ``rate_per_s`` tokens per
second. Levels are kept in token-nanoseconds (one token is ``1_000_000_000``
units; each nanosecond adds ``rate_per_s`` units), so refill is exact integer
arithmetic with no rounding drift. A new key starts full. Taking a token at
``now_ns`` first refills for the time since the key's last update, then passes
when at least one whole token is there. Times are int nanoseconds passed in by
the caller and must not go backwards per key.
"""

from __future__ import annotations

from typing import Final

TOKEN: Final[int] = 1_000_000_000
"""Units of one token (token-nanoseconds per second)."""


class TokenBuckets:
    """One token bucket per key (an account name).

    Args:
        rate_per_s: Tokens added per second (positive).
        burst: Bucket capacity in tokens (positive).
    """

    def __init__(self, rate_per_s: int, burst: int) -> None:
        if rate_per_s <= 0 or burst <= 0:
            raise ValueError(f"need rate_per_s > 0 and burst > 0, got {rate_per_s}, {burst}")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._capacity = burst * TOKEN
        self._buckets: dict[str, tuple[int, int]] = {}

    def level(self, key: str, now_ns: int) -> int:
        """Token-nanosecond units in ``key``'s bucket at ``now_ns`` (changes nothing)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return self._capacity
        units, last_ns = bucket
        return min(self._capacity, units + (now_ns - last_ns) * self.rate_per_s)

    def take(self, key: str, now_ns: int) -> bool:
        """Take one token from ``key``'s bucket at ``now_ns``; False when there is none."""
        units = self.level(key, now_ns)
        passed = units >= TOKEN
        self._buckets[key] = (units - TOKEN if passed else units, now_ns)
        return passed
