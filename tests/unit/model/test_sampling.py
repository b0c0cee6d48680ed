"""Samplers: int ns, clamped at zero, block draws, analytic means and quantiles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.sampling import BLOCK, BlockSampler, ConstantSampler, make_sampler
from sim.scenario.distributions import (
    ConstantDist,
    CubicDist,
    ExponentialDist,
    LognormalDist,
    NormalDist,
    UniformDist,
)


def draws(config, n: int = 200_000, seed: int = 1) -> np.ndarray:
    sampler = make_sampler(config, np.random.default_rng(seed))
    return np.array([sampler.sample() for _ in range(n)], dtype=np.int64)


def test_constant_uses_no_randomness() -> None:
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    sampler = make_sampler(ConstantDist(value=250), rng)
    assert isinstance(sampler, ConstantSampler)
    assert [sampler.sample() for _ in range(3)] == [250, 250, 250]
    assert sampler.sample_block() == [250] * BLOCK
    assert rng.bit_generator.state == state


def test_samples_are_python_ints() -> None:
    sampler = make_sampler(ExponentialDist(mean=1_000), np.random.default_rng(1))
    value = sampler.sample()
    assert type(value) is int
    assert all(type(v) is int for v in sampler.sample_block())


def test_exponential_mean_and_median() -> None:
    values = draws(ExponentialDist(mean=10_000))
    assert values.mean() == pytest.approx(10_000, rel=0.01)
    assert np.median(values) == pytest.approx(10_000 * math.log(2), rel=0.02)


def test_uniform_is_whole_ns_inclusive_with_its_mean() -> None:
    values = draws(UniformDist(low=100, high=110))
    assert values.min() == 100
    assert values.max() == 110
    assert values.mean() == pytest.approx(105, rel=0.002)


def test_normal_is_clamped_at_zero() -> None:
    values = draws(NormalDist(mean=1_000, std=2_000))
    assert values.min() == 0
    assert (values == 0).mean() == pytest.approx(0.3085, abs=0.01)  # P(Z < -0.5)


def test_normal_mean_when_narrow() -> None:
    values = draws(NormalDist(mean=50_000, std=5_000))
    assert values.mean() == pytest.approx(50_000, rel=0.005)
    assert np.quantile(values, 0.8413) == pytest.approx(55_000, rel=0.01)


def test_lognormal_mean_and_median() -> None:
    config = LognormalDist(mean=8_000, sigma=0.5)
    values = draws(config)
    assert values.mean() == pytest.approx(8_000, rel=0.01)
    assert np.median(values) == pytest.approx(math.exp(config.mu()), rel=0.01)


def test_cubic_mean_matches_its_analytic_mean() -> None:
    config = CubicDist(min=1_000, scale=2_000, clip=0.2)
    values = draws(config, n=400_000)
    assert values.mean() == pytest.approx(config.mean_ns(), rel=0.02)
    assert values.min() >= 3_000


def test_degenerate_configs_become_constants() -> None:
    rng = np.random.default_rng(0)
    assert isinstance(make_sampler(UniformDist(low=7, high=7), rng), ConstantSampler)
    assert isinstance(make_sampler(NormalDist(mean=7, std=0), rng), ConstantSampler)
    assert isinstance(make_sampler(ExponentialDist(mean=0), rng), ConstantSampler)


def test_same_seed_same_draws_and_blocks_continue_the_stream() -> None:
    one = make_sampler(ExponentialDist(mean=1_000), np.random.default_rng(3))
    two = make_sampler(ExponentialDist(mean=1_000), np.random.default_rng(3))
    first = [one.sample() for _ in range(10)]
    assert first == [two.sample() for _ in range(10)]
    rest_one = one.sample_block()
    assert len(rest_one) == BLOCK - 10
    assert rest_one == [two.sample() for _ in range(BLOCK - 10)]
    assert one.sample_block() == two.sample_block()


def test_block_sampler_rejects_bad_block() -> None:
    with pytest.raises(ValueError, match="block"):
        BlockSampler(lambda n: np.zeros(n), block=0)
