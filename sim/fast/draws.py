"""Whole arrays of service and latency draws, equal to what the SimPy samplers hand out.

:mod:`sim.model.sampling` draws ``BLOCK`` raw values per refill from a component's
named stream, rounds them once to the nearest ns and clamps at zero. Refills are part
of the stream's definition (numpy's bounded integers keep a 32-bit buffer per call,
so one call of ``2 * BLOCK`` is not two calls of ``BLOCK``), so this module makes the
same calls, block by block, and keeps the values as one ``int64`` array instead of
Python lists. ``tests/unit/fast/test_draws.py`` pins the equality for every
distribution kind.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from sim.model.sampling import BLOCK
from sim.scenario.distributions import (
    ConstantDist,
    CubicDist,
    Distribution,
    EmpiricalDist,
    ExponentialDist,
    LognormalDist,
    NormalDist,
    UniformDist,
)
from sim.scenario.empirical import load_empirical_ns

Ints = npt.NDArray[np.int64]
RawDraw = Callable[[int], npt.NDArray[np.generic]]
"""Returns ``n`` raw draws (ns, float or int) from one generator, as the samplers do."""


def constant_of(config: Distribution) -> int | None:
    """The value of a distribution that never draws (zero spread), else None."""
    if isinstance(config, ConstantDist):
        return config.value
    if isinstance(config, UniformDist):
        return config.low if config.low == config.high else None
    if isinstance(config, ExponentialDist | LognormalDist):
        return 0 if config.mean == 0 else None
    if isinstance(config, NormalDist):
        return config.mean if config.std == 0 else None
    if isinstance(config, CubicDist):
        return config.min if config.scale == 0 else None
    values = load_empirical_ns(config)
    return int(values[0]) if values.size == 1 or values[0] == values[-1] else None


def raw_draw(config: Distribution, rng: np.random.Generator) -> RawDraw:
    """The raw block draw of a non-constant distribution (as ``sim.model.sampling`` makes)."""
    if isinstance(config, UniformDist):
        low, high = config.low, config.high
        return lambda n: rng.integers(low, high, size=n, endpoint=True)
    if isinstance(config, ExponentialDist):
        mean = float(config.mean)
        return lambda n: rng.exponential(mean, n)
    if isinstance(config, NormalDist):
        loc, scale = float(config.mean), float(config.std)
        return lambda n: rng.normal(loc, scale, n)
    if isinstance(config, LognormalDist):
        mu, sigma = config.mu(), config.sigma
        return lambda n: rng.lognormal(mu, sigma, n)
    if isinstance(config, CubicDist):
        base, spread, width = float(config.min), float(config.scale), 1.0 - config.clip

        def cubic(n: int) -> npt.NDArray[np.float64]:
            x = 1.0 - rng.random(n) * width
            return base + spread / (x * x * x)

        return cubic
    assert isinstance(config, EmpiricalDist)
    values = load_empirical_ns(config)
    return lambda n: values[rng.integers(0, values.size, n)]


def _rounded(raw: npt.NDArray[np.generic]) -> Ints:
    """Round once to whole ns and clamp at zero, as ``BlockSampler`` does."""
    values = np.rint(raw)
    np.maximum(values, 0, out=values)
    rounded: Ints = values.astype(np.int64)
    return rounded


def durations(config: Distribution, rng: np.random.Generator, count: int) -> Ints:
    """The first ``count`` draws a sampler of ``config`` on ``rng`` would hand out."""
    constant = constant_of(config)
    if constant is not None:
        return np.full(count, constant, dtype=np.int64)
    return interleaved([raw_draw(config, rng)], count)[0]


def interleaved(draws: list[RawDraw], count: int) -> list[Ints]:
    """``count`` values of each of several samplers on one stream that refill in turn.

    A lossy link refills its latency block, then its lost-attempts block, at the same
    message (every ``BLOCK`` messages), so their blocks alternate on the stream.
    """
    blocks = -(-count // BLOCK)
    outputs = [np.empty(count, dtype=np.int64) for _ in draws]
    for block in range(blocks):
        first = block * BLOCK
        size = min(BLOCK, count - first)
        for output, draw in zip(outputs, draws, strict=True):
            raw = draw(BLOCK)
            if raw.dtype.kind == "f":  # round and clamp in place; the slice store casts
                np.rint(raw, out=raw)
                np.maximum(raw, 0, out=raw)
                output[first : first + size] = raw[:size]
            else:
                output[first : first + size] = _rounded(raw)[:size]
    return outputs


def lost_attempts_draw(loss: float, rng: np.random.Generator) -> RawDraw:
    """Raw geometric draws of lost attempts (``make_lost_attempts_sampler``)."""
    success = 1.0 - loss
    return lambda n: rng.geometric(success, n) - 1
