"""Token buckets: start full, exact integer refill per nanosecond, capped at burst, per key."""

from __future__ import annotations

import pytest

from sim.core.token_bucket import TOKEN, TokenBuckets


def test_a_new_key_has_burst_tokens_then_is_refused() -> None:
    buckets = TokenBuckets(rate_per_s=1, burst=3)
    assert [buckets.take("a", 0) for _ in range(4)] == [True, True, True, False]


def test_refill_is_exact_to_the_nanosecond() -> None:
    buckets = TokenBuckets(rate_per_s=1_000, burst=1)  # one token per 1,000,000 ns
    assert buckets.take("a", 0)
    assert not buckets.take("a", 999_999)
    assert buckets.level("a", 1_000_000) == TOKEN
    assert buckets.take("a", 1_000_000)
    assert not buckets.take("a", 1_000_000)


def test_refill_is_capped_at_burst() -> None:
    buckets = TokenBuckets(rate_per_s=1_000, burst=2)
    assert buckets.take("a", 0)
    assert buckets.level("a", 10**12) == 2 * TOKEN
    assert [buckets.take("a", 10**12) for _ in range(3)] == [True, True, False]


def test_refused_takes_keep_the_partial_refill() -> None:
    buckets = TokenBuckets(rate_per_s=3, burst=1)  # a token every 333,333,333.3 ns
    assert buckets.take("a", 0)
    assert not buckets.take("a", 333_333_333)  # 999,999,999 units: one short
    assert buckets.take("a", 333_333_334)


def test_keys_have_their_own_buckets() -> None:
    buckets = TokenBuckets(rate_per_s=1, burst=1)
    assert buckets.take("a", 0)
    assert not buckets.take("a", 0)
    assert buckets.take("b", 0)


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (1, 0), (-1, 5)])
def test_bad_parameters_are_refused(rate: int, burst: int) -> None:
    with pytest.raises(ValueError, match="rate_per_s"):
        TokenBuckets(rate, burst)
