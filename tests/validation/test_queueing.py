"""A single Stage under Poisson arrivals reproduces queueing theory (M/M/1, M/D/1, M/M/c).

Each case drives one stage with exponential inter-arrival gaps (their own named
stream) and measures the mean wait in queue ``Wq = mean(start - arrival)`` over
all arrivals after a warm-up, averaged over a few seeds. Theory:

- M/M/1: ``Wq = rho / (mu - lambda)``
- M/D/1: ``Wq = rho / (2 mu (1 - rho))``
- M/M/c: ``Wq = C(c, a) / (c mu - lambda)`` with Erlang C ``C(c, a)``, ``a = lambda / mu``
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.environment import SimulationEnvironment
from sim.model.sampling import make_sampler
from sim.model.server import Stage, StageStamps
from sim.rng import RandomStreams
from sim.scenario.distributions import ConstantDist, ExponentialDist
from sim.scenario.schema import StageConfig

SERVICE_NS = 10_000
ARRIVALS = 200_000
WARMUP = 10_000
SEEDS = (1, 2, 3)


def mean_wait_ns(service, workers: int, rho: float, seed: int) -> float:
    """Simulated mean queueing delay of one stage at utilisation ``rho``."""
    streams = RandomStreams(seed)
    env = SimulationEnvironment(0)
    columns = [np.zeros(ARRIVALS, dtype=np.int64) for _ in range(3)]
    config = StageConfig(workers=workers, service=service, queue_capacity=ARRIVALS)
    stage = Stage(
        env,
        "stage.test",
        config,
        make_sampler(service, streams.stream("stage.test")),
        StageStamps(*(column.data for column in columns)),
    )
    stage.connect(lambda item: None, lambda item, reason: None)
    mean_gap = SERVICE_NS / (rho * workers)
    gaps = make_sampler(ExponentialDist(mean=round(mean_gap)), streams.stream("arrivals"))
    next_item = [0]

    def arrive(_event) -> None:
        item = next_item[0]
        stage.arrive(item)
        next_item[0] = item + 1
        if item + 1 < ARRIVALS:
            env.timeout(gaps.sample()).callbacks.append(arrive)

    env.timeout(0).callbacks.append(arrive)
    env.run()
    arrival, start, _ = columns
    assert stage.rejected == 0
    return float((start[WARMUP:] - arrival[WARMUP:]).mean())


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arrival waits in M/M/c (``load`` = lambda / mu, in servers)."""
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    bottom = sum(load**k / math.factorial(k) for k in range(servers)) + top
    return top / bottom


def averaged(service, workers: int, rho: float) -> float:
    return float(np.mean([mean_wait_ns(service, workers, rho, seed) for seed in SEEDS]))


@pytest.mark.slow
@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_mm1_mean_wait_in_queue(rho: float) -> None:
    mu = 1 / SERVICE_NS
    expected = rho / (mu - rho * mu)
    measured = averaged(ExponentialDist(mean=SERVICE_NS), 1, rho)
    assert measured == pytest.approx(expected, rel=0.05)


@pytest.mark.slow
@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_md1_mean_wait_in_queue(rho: float) -> None:
    mu = 1 / SERVICE_NS
    expected = rho / (2 * mu * (1 - rho))
    measured = averaged(ConstantDist(value=SERVICE_NS), 1, rho)
    assert measured == pytest.approx(expected, rel=0.05)


@pytest.mark.slow
def test_mmc_mean_wait_matches_erlang_c() -> None:
    workers, rho = 3, 0.8
    mu = 1 / SERVICE_NS
    load = rho * workers
    expected = erlang_c(workers, load) / (workers * mu - load * mu)
    measured = averaged(ExponentialDist(mean=SERVICE_NS), workers, rho)
    assert measured == pytest.approx(expected, rel=0.05)
