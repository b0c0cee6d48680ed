"""Latency and service-time distribution configs, discriminated by ``kind``.

Each config can report its analytic mean (used by tests and by the report to
compare simulated figures with theory). Samplers live in ``sim.model``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.types import DurationNs, FrozenModel


class ConstantDist(FrozenModel):
    """Always the same value."""

    kind: Literal["constant"] = "constant"
    value: DurationNs = 0

    def mean_ns(self) -> float:
        """Analytic mean in ns."""
        return float(self.value)


class UniformDist(FrozenModel):
    """Uniform on ``[low, high]``."""

    kind: Literal["uniform"] = "uniform"
    low: DurationNs
    high: DurationNs

    @model_validator(mode="after")
    def _ordered(self) -> UniformDist:
        if self.high < self.low:
            raise ValueError(f"high ({self.high} ns) must be >= low ({self.low} ns)")
        return self

    def mean_ns(self) -> float:
        """Analytic mean in ns."""
        return (self.low + self.high) / 2


class ExponentialDist(FrozenModel):
    """Exponential with the given mean (memoryless service, Poisson gaps)."""

    kind: Literal["exponential"] = "exponential"
    mean: DurationNs

    def mean_ns(self) -> float:
        """Analytic mean in ns."""
        return float(self.mean)


class NormalDist(FrozenModel):
    """Normal truncated at zero (draws below zero are clamped to zero)."""

    kind: Literal["normal"] = "normal"
    mean: DurationNs
    std: DurationNs

    def mean_ns(self) -> float:
        """Mean of the untruncated normal in ns (exact when std << mean)."""
        return float(self.mean)


class LognormalDist(FrozenModel):
    """Lognormal with the given mean and shape ``sigma`` (std of the log)."""

    kind: Literal["lognormal"] = "lognormal"
    mean: DurationNs
    sigma: float = Field(gt=0, le=5)

    def mean_ns(self) -> float:
        """Analytic mean in ns."""
        return float(self.mean)

    def mu(self) -> float:
        """Location of the underlying normal so that the lognormal's mean is ``mean``."""
        return math.log(max(self.mean, 1)) - self.sigma**2 / 2


class CubicDist(FrozenModel):
    """ABIDES-style cubic jitter: ``min + scale / x**3`` with ``x`` uniform in ``(clip, 1]``.

    Most draws sit near ``min + scale``; a heavy tail reaches ``min + scale / clip**3``.
    """

    kind: Literal["cubic"] = "cubic"
    min: DurationNs
    scale: DurationNs
    clip: float = Field(default=0.1, gt=0, lt=1)

    def mean_ns(self) -> float:
        """Analytic mean in ns: min + scale * (clip**-2 - 1) / (2 * (1 - clip))."""
        return self.min + self.scale * (self.clip**-2 - 1) / (2 * (1 - self.clip))


class EmpiricalDist(FrozenModel):
    """Resampled from measured values: one numeric column of a CSV or Parquet file."""

    kind: Literal["empirical"] = "empirical"
    path: Path
    column: str = "latency_ns"
    unit: Literal["ns", "us", "ms", "s"] = "ns"
    """Unit of the values in the column."""

    def mean_ns(self) -> float:
        """Mean of the file's values in ns (reads the file)."""
        from sim.scenario.empirical import load_empirical_ns

        return float(load_empirical_ns(self).mean())


Distribution = Annotated[
    ConstantDist | UniformDist | ExponentialDist | NormalDist | LognormalDist | CubicDist
    | EmpiricalDist,
    Field(discriminator="kind"),
]
"""Any distribution config; TOML writes ``{ kind = "lognormal", mean = "8us", sigma = 0.5 }``."""
