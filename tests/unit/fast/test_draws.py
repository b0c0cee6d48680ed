"""The fast engine's draws are the SimPy samplers' draws, value for value, across refills."""

from __future__ import annotations

import numpy as np
import pytest

from sim.fast.draws import durations, interleaved, lost_attempts_draw, raw_draw
from sim.model.sampling import BLOCK, make_lost_attempts_sampler, make_sampler
from sim.rng import RandomStreams
from sim.scenario.distributions import (
    ConstantDist,
    CubicDist,
    Distribution,
    ExponentialDist,
    LognormalDist,
    NormalDist,
    UniformDist,
)

COUNT = 2 * BLOCK + 123
"""Crosses two refills and ends inside a block."""

KINDS: list[Distribution] = [
    ConstantDist(value=1_500),
    UniformDist(low=1_000, high=9_000),
    ExponentialDist(mean=3_000),
    NormalDist(mean=25_000, std=3_000),
    NormalDist(mean=100, std=400),  # clamped at zero often
    LognormalDist(mean=8_000, sigma=0.6),
    CubicDist(min=1_000, scale=50, clip=0.01),
]


def _sampled(config: Distribution, count: int) -> list[int]:
    sampler = make_sampler(config, RandomStreams(7).stream("stage.x"))
    values: list[int] = []
    while len(values) < count:
        values += sampler.sample_block()
    return values[:count]


@pytest.mark.parametrize("config", KINDS, ids=lambda config: config.kind)
def test_durations_equal_the_sampler_draws(config: Distribution) -> None:
    """Every distribution kind: the same ints in the same order as ``make_sampler``."""
    fast = durations(config, RandomStreams(7).stream("stage.x"), COUNT)
    assert fast.dtype == np.int64
    assert fast.tolist() == _sampled(config, COUNT)


def test_latency_and_loss_blocks_alternate_on_one_stream() -> None:
    """A lossy link refills latency then lost attempts: the blocks interleave on its stream."""
    latency = NormalDist(mean=25_000, std=3_000)
    rng = RandomStreams(3).stream("link.x")
    delays, losses = make_sampler(latency, rng), make_lost_attempts_sampler(0.2, rng)
    expected_delay, expected_lost = [], []
    for _ in range(COUNT):
        expected_delay.append(delays.sample())
        expected_lost.append(losses.sample())
    rng = RandomStreams(3).stream("link.x")
    got_delay, got_lost = interleaved([raw_draw(latency, rng), lost_attempts_draw(0.2, rng)],
                                      COUNT)
    assert got_delay.tolist() == expected_delay
    assert got_lost.tolist() == expected_lost
    assert 0 < int(got_lost.sum()) < COUNT
