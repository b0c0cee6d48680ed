"""Duration samplers: distribution configs turned into fast ``int`` nanosecond draws.

A sampler owns one named ``numpy`` generator and draws in blocks (``BLOCK``
values at a time); each value is rounded once to the nearest nanosecond and
clamped at zero, then handed out as a plain ``int``. A constant never touches
its generator, so making a link constant does not shift anyone else's draws
(streams are per component anyway). The block size is part of the stream's
definition: keep it fixed so the same seed gives the same draws.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import numpy.typing as npt

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

BLOCK = 4096
"""Draws per refill."""


class DurationSampler(Protocol):
    """Something that hands out non-negative durations in integer nanoseconds.

    Hot paths take whole blocks (:meth:`sample_block`) and pop from them, which
    saves a Python call per draw; both methods walk the same stream in order.
    """

    def sample(self) -> int:
        """Return the next duration in ns (``>= 0``)."""
        ...

    def sample_block(self) -> list[int]:
        """Return the next durations, in draw order, as a new list the caller owns."""
        ...


class ConstantSampler:
    """Always the same duration; uses no randomness."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        if value < 0:
            raise ValueError(f"a duration cannot be negative, got {value} ns")
        self.value = value

    def sample(self) -> int:
        """Return the constant."""
        return self.value

    def sample_block(self) -> list[int]:
        """Return ``BLOCK`` copies of the constant."""
        return [self.value] * BLOCK


class BlockSampler:
    """Draws ``block`` floats at a time from ``draw``, rounds once, clamps at 0, pops ints.

    Args:
        draw: Returns ``n`` raw draws in ns (float or int array) from one generator.
        block: Values per refill.
    """

    __slots__ = ("_block", "_buffer", "_draw")

    def __init__(self, draw: Callable[[int], npt.NDArray[np.generic]], block: int = BLOCK) -> None:
        if block <= 0:
            raise ValueError(f"block must be positive, got {block}")
        self._draw = draw
        self._block = block
        self._buffer: list[int] = []
        """Undelivered draws, last draw first (so ``pop()`` yields draw order)."""

    def _next_block(self) -> list[int]:
        values = np.rint(self._draw(self._block))
        np.maximum(values, 0, out=values)
        result: list[int] = values.astype(np.int64).tolist()
        return result

    def sample(self) -> int:
        """Return the next draw as ``int`` ns."""
        buffer = self._buffer
        if not buffer:
            buffer = self._buffer = self._next_block()[::-1]
        value: int = buffer.pop()
        return value

    def sample_block(self) -> list[int]:
        """Return the draws left over from :meth:`sample`, or else a fresh block."""
        if self._buffer:
            rest, self._buffer = self._buffer[::-1], []
            return rest
        return self._next_block()


def make_sampler(
    config: Distribution, rng: np.random.Generator, block: int = BLOCK
) -> ConstantSampler | BlockSampler:
    """Build the sampler for a distribution config, drawing from ``rng``.

    Degenerate configs (zero spread) become a :class:`ConstantSampler`.
    """
    if isinstance(config, ConstantDist):
        return ConstantSampler(config.value)
    if isinstance(config, UniformDist | ExponentialDist):
        return _simple(config, rng, block)
    if isinstance(config, NormalDist | LognormalDist):
        return _bell(config, rng, block)
    if isinstance(config, CubicDist):
        return _cubic(config, rng, block)
    return _empirical(config, rng, block)


def _simple(
    config: UniformDist | ExponentialDist, rng: np.random.Generator, block: int
) -> ConstantSampler | BlockSampler:
    """Uniform on whole ns ``[low, high]``; exponential with the given mean."""
    if isinstance(config, UniformDist):
        if config.low == config.high:
            return ConstantSampler(config.low)
        low, high = config.low, config.high
        return BlockSampler(lambda n: rng.integers(low, high, size=n, endpoint=True), block)
    if config.mean == 0:
        return ConstantSampler(0)
    mean = float(config.mean)
    return BlockSampler(lambda n: rng.exponential(mean, n), block)


def _bell(
    config: NormalDist | LognormalDist, rng: np.random.Generator, block: int
) -> ConstantSampler | BlockSampler:
    """Normal (clamped at 0) or lognormal (``mu()``/``sigma`` of the underlying normal)."""
    if isinstance(config, NormalDist):
        if config.std == 0:
            return ConstantSampler(config.mean)
        loc, scale = float(config.mean), float(config.std)
        return BlockSampler(lambda n: rng.normal(loc, scale, n), block)
    if config.mean == 0:
        return ConstantSampler(0)
    mu, sigma = config.mu(), config.sigma
    return BlockSampler(lambda n: rng.lognormal(mu, sigma, n), block)


def _cubic(
    config: CubicDist, rng: np.random.Generator, block: int
) -> ConstantSampler | BlockSampler:
    """``min + scale / x**3`` with ``x`` uniform in ``(clip, 1]``."""
    if config.scale == 0:
        return ConstantSampler(config.min)
    low, scale, width = float(config.min), float(config.scale), 1.0 - config.clip

    def draw(n: int) -> npt.NDArray[np.float64]:
        x = 1.0 - rng.random(n) * width
        return low + scale / (x * x * x)

    return BlockSampler(draw, block)


def _empirical(
    config: EmpiricalDist, rng: np.random.Generator, block: int
) -> ConstantSampler | BlockSampler:
    """Uniform resampling of the file's measured values."""
    values = load_empirical_ns(config)
    if values.size == 1 or values[0] == values[-1]:
        return ConstantSampler(int(values[0]))
    return BlockSampler(lambda n: values[rng.integers(0, values.size, n)], block)


def make_recorded_sampler(
    delays: npt.NDArray[np.int64], rng: np.random.Generator, block: int = BLOCK
) -> ConstantSampler | BlockSampler:
    """Uniform resampling of recorded delays (``latency = "from_data"``, empirical), in ns."""
    if delays.size == 0:
        raise ValueError("no recorded delays to draw from")
    if delays[0] == delays[-1] and (delays == delays[0]).all():
        return ConstantSampler(int(delays[0]))
    return BlockSampler(lambda n: delays[rng.integers(0, delays.size, n)], block)


def make_lost_attempts_sampler(
    loss: float, rng: np.random.Generator, block: int = BLOCK
) -> ConstantSampler | BlockSampler:
    """Lost attempts before a transmission gets through, each lost with probability ``loss``.

    Geometric on ``{0, 1, 2, ...}`` with mean ``loss / (1 - loss)``; a lossless link
    is the constant 0 and draws nothing.
    """
    if not 0 <= loss < 1:
        raise ValueError(f"loss must be in [0, 1), got {loss}")
    if loss == 0:
        return ConstantSampler(0)
    success = 1.0 - loss
    return BlockSampler(lambda n: rng.geometric(success, n) - 1, block)
