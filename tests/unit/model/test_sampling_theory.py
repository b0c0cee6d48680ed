"""Every distribution kind against its theory: 100k draws' mean and quantiles vs analytic ones.

In the style of Ciw's ``test_sampling``: each sampler is fed a fixed seed and its
sample mean and quantiles are compared with closed forms. Tolerances are
confidence intervals, not guesses: a sample quantile's standard error is
``sqrt(q (1 - q) / n) / f(x_q)`` (``f`` the density at the quantile), a mean's is
``std / sqrt(n)``; we allow 4 standard errors plus 1 ns for the rounding to int ns.
"""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist as StdNormal

import numpy as np
import pytest

from sim.model.sampling import make_lost_attempts_sampler, make_sampler
from sim.scenario.distributions import (
    ConstantDist,
    CubicDist,
    EmpiricalDist,
    ExponentialDist,
    LognormalDist,
    NormalDist,
    UniformDist,
)
from sim.scenario.empirical import load_empirical_ns

N = 100_000
QUANTILES = (0.1, 0.5, 0.9, 0.99)
Z = StdNormal()
BINANCE = (
    Path(__file__).resolve().parents[3] / "data" / "latency" / "binance_tokyo_create_rtt.parquet"
)


def draws(config, n: int = N, seed: int = 2024) -> np.ndarray:
    sampler = make_sampler(config, np.random.default_rng(seed))
    values: list[int] = []
    while len(values) < n:
        values += sampler.sample_block()
    return np.array(values[:n], dtype=np.int64)


def quantile_tolerance(q: float, density: float, n: int = N) -> float:
    """Four standard errors of the sample ``q``-quantile, plus 1 ns of rounding."""
    return 4 * math.sqrt(q * (1 - q) / n) / density + 1


def mean_tolerance(std: float, n: int = N) -> float:
    return 4 * std / math.sqrt(n) + 1


def test_constant_is_its_value() -> None:
    values = draws(ConstantDist(value=1_234), n=1_000)
    assert set(values.tolist()) == {1_234}
    assert ConstantDist(value=1_234).mean_ns() == 1_234


def test_uniform_mean_and_quantiles() -> None:
    config = UniformDist(low=1_000, high=9_000)
    values = draws(config)
    width = config.high - config.low
    assert values.mean() == pytest.approx(config.mean_ns(), rel=0.01)
    assert abs(values.mean() - config.mean_ns()) < mean_tolerance(width / math.sqrt(12))
    for q in QUANTILES:
        expected = config.low + q * width
        assert abs(np.quantile(values, q) - expected) < quantile_tolerance(q, 1 / width), q


def test_exponential_mean_and_quantiles() -> None:
    config = ExponentialDist(mean=10_000)
    values = draws(config)
    mean = config.mean_ns()
    assert values.mean() == pytest.approx(mean, rel=0.01)
    for q in QUANTILES:
        expected = -mean * math.log(1 - q)
        density = (1 - q) / mean
        assert abs(np.quantile(values, q) - expected) < quantile_tolerance(q, density), q


def test_normal_narrow_mean_and_quantiles() -> None:
    config = NormalDist(mean=50_000, std=5_000)
    values = draws(config)
    assert values.mean() == pytest.approx(config.mean_ns(), rel=0.01)
    for q in QUANTILES:
        z = Z.inv_cdf(q)
        expected = config.mean + config.std * z
        density = Z.pdf(z) / config.std
        assert abs(np.quantile(values, q) - expected) < quantile_tolerance(q, density), q


def test_normal_truncated_at_zero_matches_the_clamped_normal() -> None:
    """Draws below zero become 0: mean ``mu Phi(a) + sigma phi(a)`` with ``a = mu / sigma``."""
    config = NormalDist(mean=1_000, std=2_000)
    values = draws(config)
    a = config.mean / config.std
    clamped_mean = config.mean * Z.cdf(a) + config.std * Z.pdf(a)
    assert values.mean() == pytest.approx(clamped_mean, rel=0.01)
    assert (values == 0).mean() == pytest.approx(Z.cdf(-a), abs=4 * math.sqrt(0.25 / N))
    for q in (0.5, 0.9, 0.99):  # all above the mass at zero (Phi(-0.5) = 0.31)
        z = Z.inv_cdf(q)
        expected = config.mean + config.std * z
        density = Z.pdf(z) / config.std
        assert abs(np.quantile(values, q) - expected) < quantile_tolerance(q, density), q


def test_lognormal_mean_and_quantiles() -> None:
    config = LognormalDist(mean=8_000, sigma=0.6)
    values = draws(config)
    assert values.mean() == pytest.approx(config.mean_ns(), rel=0.01)
    mu, sigma = config.mu(), config.sigma
    for q in QUANTILES:
        z = Z.inv_cdf(q)
        expected = math.exp(mu + sigma * z)
        density = Z.pdf(z) / (sigma * expected)
        assert abs(np.quantile(values, q) - expected) < quantile_tolerance(q, density), q


def test_cubic_mean_and_quantiles() -> None:
    """``X = min + scale / x**3``, ``x ~ U(clip, 1]``; X falls as x rises, so
    ``P(X <= t) = (1 - x_t) / (1 - clip)`` and the q-quantile is
    ``min + scale / (1 - q (1 - clip))**3``."""
    config = CubicDist(min=1_000, scale=2_000, clip=0.2)
    values = draws(config)
    # Heavy tail (std 47 us on a 31 us mean at clip 0.2): a CI, not 1%.
    # E[x**-k] = (clip**(1-k) - 1) / ((k - 1) (1 - clip)) for x ~ U(clip, 1].
    width = 1 - config.clip
    inverse_cube = (config.clip**-2 - 1) / (2 * width)
    inverse_sixth = (config.clip**-5 - 1) / (5 * width)
    std = config.scale * math.sqrt(inverse_sixth - inverse_cube**2)
    assert config.mean_ns() == config.min + config.scale * inverse_cube
    assert abs(values.mean() - config.mean_ns()) < mean_tolerance(std)
    assert values.min() >= config.min + config.scale
    assert values.max() <= config.min + config.scale / config.clip**3 + 1
    for q in QUANTILES:
        x = 1 - q * width
        expected = config.min + config.scale / x**3
        density = x**4 / (3 * config.scale * width)  # |dq/dt|
        assert abs(np.quantile(values, q) - expected) < quantile_tolerance(q, density), q


def test_empirical_reproduces_the_files_quantiles_within_one_sample_step() -> None:
    config = EmpiricalDist(path=BINANCE, column="latency_ns")
    measured = load_empirical_ns(config)
    values = draws(config)
    assert set(np.unique(values).tolist()) <= set(measured.tolist())
    assert values.mean() == pytest.approx(config.mean_ns(), rel=0.01)
    steps = np.unique(measured)
    for q in (0.5, 0.9, 0.99):
        file_q = np.quantile(measured, q, method="inverted_cdf")
        sampled_q = np.quantile(values, q, method="inverted_cdf")
        index = int(np.searchsorted(steps, file_q))
        low, high = steps[max(index - 1, 0)], steps[min(index + 1, steps.size - 1)]
        assert low <= sampled_q <= high, (q, file_q, sampled_q)


def test_binance_file_is_what_the_readme_says() -> None:
    measured = load_empirical_ns(EmpiricalDist(path=BINANCE))
    assert measured.size == 669
    assert np.median(measured) == 71_000_000


@pytest.mark.parametrize("loss", [0.05, 0.2, 0.5])
def test_lost_attempts_are_geometric(loss: float) -> None:
    """Mean attempts per delivery is ``1 / (1 - loss)``: 1.25 at a loss of 0.2."""
    sampler = make_lost_attempts_sampler(loss, np.random.default_rng(9))
    lost: list[int] = []
    while len(lost) < N:
        lost += sampler.sample_block()
    attempts = 1 + np.array(lost[:N])
    std = math.sqrt(loss) / (1 - loss)
    assert abs(attempts.mean() - 1 / (1 - loss)) < 4 * std / math.sqrt(N)
    assert (attempts == 1).mean() == pytest.approx(1 - loss, abs=4 * math.sqrt(0.25 / N))


def test_lossless_lost_attempts_sampler_draws_nothing() -> None:
    rng = np.random.default_rng(3)
    state = rng.bit_generator.state
    assert make_lost_attempts_sampler(0.0, rng).sample() == 0
    assert rng.bit_generator.state == state
    with pytest.raises(ValueError, match="loss"):
        make_lost_attempts_sampler(1.0, rng)
