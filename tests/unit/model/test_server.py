"""Stage: FIFO service, workers, bounded queue with queue_full rejects, counters, stamps."""

from __future__ import annotations

import numpy as np

from sim.model.environment import SimulationEnvironment
from sim.model.sampling import make_sampler
from sim.model.server import QUEUE_FULL, Stage, StageStamps
from sim.scenario.distributions import ConstantDist
from sim.scenario.schema import StageConfig


def make_stage(env, workers: int = 1, service: int = 100, capacity: int = 10, stamps=None):
    config = StageConfig(
        workers=workers, service=ConstantDist(value=service), queue_capacity=capacity
    )
    stage = Stage(
        env, "stage.test", config, make_sampler(config.service, np.random.default_rng(0)), stamps
    )
    done: list[tuple[int, int]] = []
    rejected: list[tuple[int, str]] = []
    stage.connect(lambda item: done.append((item, env.now)), lambda i, r: rejected.append((i, r)))
    return stage, done, rejected


def test_burst_beyond_queue_capacity_is_rejected_with_queue_full() -> None:
    env = SimulationEnvironment(0)
    stage, done, rejected = make_stage(env, workers=1, service=100, capacity=2)
    for item in range(6):
        stage.arrive(item)  # all at t=0: 1 in service, 2 queued, 3 rejected
    env.run()
    assert done == [(0, 100), (1, 200), (2, 300)]
    assert rejected == [(3, QUEUE_FULL), (4, QUEUE_FULL), (5, QUEUE_FULL)]
    stats = stage.stats()
    assert stats["arrivals"] == 6
    assert stats["served"] == 3
    assert stats["rejected"] == 3
    assert stats[f"rejected.{QUEUE_FULL}"] == 3
    assert stats["max_queue_depth"] == 2
    assert stats["busy_ns"] == 300


def test_zero_capacity_queue_rejects_whenever_all_workers_are_busy() -> None:
    env = SimulationEnvironment(0)
    stage, done, rejected = make_stage(env, workers=2, service=100, capacity=0)
    for item in range(3):
        stage.arrive(item)
    env.run()
    assert [item for item, _ in done] == [0, 1]
    assert rejected == [(2, QUEUE_FULL)]


def test_workers_serve_in_parallel_and_queue_is_fifo() -> None:
    env = SimulationEnvironment(0)
    stage, done, _ = make_stage(env, workers=2, service=100)
    for item in range(5):
        stage.arrive(item)
    env.run()
    assert done == [(0, 100), (1, 100), (2, 200), (3, 200), (4, 300)]
    assert stage.busy == 0


def test_stamps_in_start_out() -> None:
    env = SimulationEnvironment(0)
    columns = [np.full(3, -1, dtype=np.int64) for _ in range(3)]
    stamps = StageStamps(*(column.data for column in columns))
    stage, _, _ = make_stage(env, service=100, stamps=stamps)

    def later(_event) -> None:
        stage.arrive(2)

    stage.arrive(0)
    stage.arrive(1)
    env.timeout(250).callbacks.append(later)
    env.run()
    arrival, start, end = (column.tolist() for column in columns)
    assert arrival == [0, 0, 250]
    assert start == [0, 100, 250]
    assert end == [100, 200, 350]
