"""The audit log's writer (group commit or not) and a stage's crash."""

from __future__ import annotations

import numpy as np

from sim.model.audit import AuditLog
from sim.model.environment import SimulationEnvironment
from sim.model.sampling import make_sampler
from sim.model.server import Stage
from sim.scenario.distributions import ConstantDist
from sim.scenario.schema import StageConfig
from sim.scenario.standby import AuditConfig


def _log(group_commit: bool) -> tuple[SimulationEnvironment, AuditLog, list[tuple[int, int]]]:
    env = SimulationEnvironment(0)
    config = AuditConfig(write=ConstantDist(value=1_000), group_commit=group_commit, max_batch=2)
    log = AuditLog(env, config, make_sampler(config.write, np.random.default_rng(0)))
    applied: list[tuple[int, int]] = []
    log.connect(lambda seq: applied.append((seq, env.now)))
    return env, log, applied


def _append_at(env: SimulationEnvironment, log: AuditLog, times: list[int]) -> None:
    for seq, at in enumerate(times):
        env.timeout(at, seq).callbacks.append(lambda event: log.append(event.value))


def test_group_commit_writes_waiting_records_together_up_to_max_batch() -> None:
    env, log, applied = _log(group_commit=True)
    _append_at(env, log, [0, 100, 200, 300, 400])
    env.run()
    # 0 alone; 1 and 2 (max_batch 2) at 2000; 3 and 4 at 3000
    assert applied == [(0, 1_000), (1, 2_000), (2, 2_000), (3, 3_000), (4, 3_000)]
    assert log.stats() == {"writes": 3, "order_records": 5, "execution_records": 0,
                           "busy_ns": 3_000, "max_batch": 2, "max_pending": 4}


def test_without_group_commit_every_record_is_its_own_write() -> None:
    env, log, applied = _log(group_commit=False)
    _append_at(env, log, [0, 100, 200])
    env.run()
    assert applied == [(0, 1_000), (1, 2_000), (2, 3_000)]
    assert log.writes == 3


def test_execution_records_ride_along_and_gate_nothing() -> None:
    env, log, applied = _log(group_commit=True)
    env.timeout(0).callbacks.append(lambda _e: (log.append(0), log.append_executions(3)))
    env.run()
    assert applied == [(0, 1_000)]
    assert (log.writes, log.execution_records) == (3, 3)  # 1 + 1 record, then 2


def test_crash_loses_the_write_in_progress_and_the_waiting_records() -> None:
    env, log, applied = _log(group_commit=True)
    _append_at(env, log, [0, 100, 200])
    lost: list[int] = []
    env.timeout(500).callbacks.append(lambda _e: lost.extend(log.crash()))
    env.run()
    assert lost == [0, 1, 2]
    assert applied == []  # the write that was in progress ends void


def test_crashed_stage_forgets_its_work_and_frees_its_workers() -> None:
    env = SimulationEnvironment(0)
    config = StageConfig(workers=1, service=ConstantDist(value=1_000))
    stage = Stage(env, "stage.test", config, make_sampler(config.service, np.random.default_rng(0)))
    done: list[tuple[int, int]] = []
    stage.connect(lambda item: done.append((item, env.now)), lambda item, reason: None)
    stage.arm_crash()
    lost: list[int] = []
    for seq, at in enumerate([0, 10, 20]):
        env.timeout(at, seq).callbacks.append(lambda event: stage.arrive(event.value))
    env.timeout(500).callbacks.append(lambda _e: lost.extend(stage.crash()))
    env.timeout(600, 3).callbacks.append(lambda event: stage.arrive(event.value))
    env.run()
    assert lost == [0, 1, 2]  # in service first, then the queue
    assert done == [(3, 1_600)]  # 0's completion at 1000 is void; 3 starts on a free worker
    assert stage.busy == 0
