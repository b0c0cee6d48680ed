"""Scheduled faults: stage pauses, degraded and partitioned links, run-start checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.model.environment import SimulationEnvironment
from sim.model.link import NetworkLink
from sim.model.sampling import make_sampler
from sim.model.server import Stage, StageStamps
from sim.runner import run_scenario
from sim.scenario import load_scenario
from sim.scenario.distributions import ConstantDist
from sim.scenario.faults import PartitionFault, PauseFault, check_fault_window
from sim.scenario.loader import scenario_from_dict
from sim.scenario.schema import LinkConfig, StageConfig, check_scenario_faults

BASE: dict[str, Any] = {"name": "s", "data": {"sources": [{"path": "x.parquet"}]}}


def _stage(env: SimulationEnvironment, stamps: StageStamps) -> tuple[Stage, list[int]]:
    config = StageConfig(workers=1, service=ConstantDist(value=100))
    stage = Stage(env, "stage.test", config,
                  make_sampler(config.service, np.random.default_rng(0)), stamps)
    done: list[int] = []
    stage.connect(lambda item: done.append(item), lambda item, reason: None)
    return stage, done


def test_paused_stage_starts_nothing_until_the_window_ends() -> None:
    env = SimulationEnvironment(0)
    columns = [np.zeros(4, dtype=np.int64) for _ in range(3)]
    stage, done = _stage(env, StageStamps(*(memoryview(c) for c in columns)))
    at, duration = 1_000, 5_000
    env.timeout(at).callbacks.append(lambda _: stage.pause())
    env.timeout(at + duration).callbacks.append(lambda _: stage.resume())
    env.timeout(at - 50, 0).callbacks.append(lambda e: stage.arrive(0))  # in service at `at`
    env.timeout(at + 10, 1).callbacks.append(lambda e: stage.arrive(1))  # arrives paused
    env.timeout(at + 20, 2).callbacks.append(lambda e: stage.arrive(2))
    env.run()
    start = columns[1]
    assert done == [0, 1, 2]
    assert columns[2][0] == at + 50  # in-service work finishes during the pause
    assert start[1] == at + duration
    assert start[2] == at + duration + 100
    assert start[1] - columns[0][1] >= duration - 10  # waits about the pause


def _link(env: SimulationEnvironment, latency: int = 1_000) -> NetworkLink:
    config = LinkConfig(latency=ConstantDist(value=latency))
    return NetworkLink(env, "link.test", config,
                       make_sampler(config.latency, np.random.default_rng(0)))


def _run(link: NetworkLink, env: SimulationEnvironment, sends: list[int]) -> list[tuple[int, int]]:
    arrivals: list[tuple[int, int]] = []
    link.connect(lambda item: arrivals.append((item, env.now)))
    for item, sent in enumerate(sends):
        link.send_at(sent, item)
    env.run()
    return arrivals


def test_degraded_link_multiplies_latency_in_the_window() -> None:
    env = SimulationEnvironment(0)
    link = _link(env)
    link.add_fault_window(10_000, 20_000, latency_multiplier=10)
    arrivals = _run(link, env, [0, 10_000, 19_999, 20_000])
    assert arrivals == [(0, 1_000), (1, 20_000), (2, 29_999), (3, 29_999)]  # FIFO floor


def test_partitioned_link_holds_messages_until_the_window_ends() -> None:
    env = SimulationEnvironment(0)
    link = _link(env)
    link.add_fault_window(10_000, 20_000, hold=True)
    arrivals = _run(link, env, [0, 10_000, 15_000, 20_000])
    assert arrivals == [(0, 1_000), (1, 21_000), (2, 21_000), (3, 21_000)]
    assert link.messages == 4


def test_faults_parse_by_kind_and_stay_out_of_fault_free_dumps() -> None:
    scenario = scenario_from_dict({**BASE, "faults": [
        {"kind": "pause", "target": "matching", "at": "2s", "duration": "5ms"},
        {"kind": "link_degrade", "link": "market_data", "at": "1s", "duration": "1ms"},
        {"kind": "partition", "link": "gateway_to_risk", "at": "1s", "duration": "1ms"},
    ]})
    pause = scenario.faults[0]
    assert isinstance(pause, PauseFault)
    assert (pause.at, pause.duration) == (2 * 10**9, 5 * 10**6)
    assert scenario.faults[1].latency_multiplier == 10  # type: ignore[union-attr]
    assert isinstance(scenario.faults[2], PartitionFault)
    assert "faults" in scenario.model_dump()
    assert "faults" not in scenario_from_dict(BASE).model_dump()


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ({"kind": "pause", "target": "publisher"},
         "faults[1].target: 'publisher' is not a stage that can pause; "
         "use one of gateway, risk, matching"),
        ({"kind": "pause", "target": 3},
         "faults[1].target: 3 is not a stage that can pause; use one of gateway, risk, matching"),
        ({"kind": "failover", "target": "publisher"},
         "faults[1].target: 'publisher' cannot fail over; use one of gateway, risk, matching"),
        ({"kind": "partition", "link": "nowhere"},
         "faults[1].link: 'nowhere' is not a link; use one of client_to_gateway, "
         "gateway_to_risk, risk_to_matching, matching_to_client, market_data"),
        ({"kind": "pause", "target": "risk", "at": -1},
         "faults[1].at: must be greater than or equal to 0 (got -1)"),
        ({"kind": "pause", "target": "risk", "at": "-2ms"},
         "faults[1].at: must be greater than or equal to 0 (got '-2ms')"),
        ({"kind": "pause", "target": "risk", "duration": 0},
         "faults[1].duration: must be greater than 0 (got 0)"),
        ({"kind": "link_degrade", "link": "market_data", "duration": -5},
         "faults[1].duration: must be greater than 0 (got -5)"),
        ({"kind": "link_degrade", "link": "market_data", "latency_multiplier": 0},
         "faults[1].latency_multiplier: must be greater than or equal to 1 (got 0)"),
    ],
)
def test_bad_faults_are_refused_by_the_schema_naming_the_key(
    fault: dict[str, Any], message: str
) -> None:
    """The same pydantic pass as every other key: file, ``faults[i].<key>``, one line."""
    good = {"kind": "pause", "target": "gateway", "at": "1s", "duration": "1ms"}
    bad = {"at": "1s", **({} if fault["kind"] == "failover" else {"duration": "1ms"}), **fault}
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({**BASE, "faults": [good, bad]}, source="s.toml")
    assert str(caught.value) == f"s.toml: invalid scenario: {message}"


def test_a_fault_after_the_data_window_is_refused_when_the_window_is_known() -> None:
    """The one check that needs the data: ``at`` past the window's end (``at`` = end is in)."""
    scenario = scenario_from_dict({**BASE, "faults": [
        {"kind": "pause", "target": "gateway", "at": "10s", "duration": "1ms"},
        {"kind": "failover", "target": "risk", "at": "10001ms"},
    ], "topology": {"standbys": {"risk": {}}}}, source="s.toml")
    check_fault_window(scenario.faults[:1], 10 * 10**9)
    with pytest.raises(ScenarioError) as caught:
        check_scenario_faults(scenario, 10 * 10**9)
    assert str(caught.value) == (
        "s.toml: faults[1].at: 10s (10001000000 ns) is after the end of the data window, "
        "10s (10000000000 ns) after its start; schedule the fault inside the window"
    )


PAUSE = '[[faults]]\nkind = "pause"\ntarget = "matching"\nat = "50ms"\nduration = "5ms"\n'


def test_run_with_a_pause_reports_its_window_and_holds_matching(
    tmp_path: Path, make_scenario: Any
) -> None:
    outcome = run_scenario(load_scenario(make_scenario(PAUSE)), out_dir=tmp_path / "run")
    (fault,) = outcome.summary["faults"]
    start = outcome.summary["sim_start_ns"] + 50_000_000
    assert (fault["kind"], fault["subject"]) == ("pause", "matching")
    assert (fault["start_ns"], fault["end_ns"]) == (start, start + 5_000_000)
    orders = outcome.result.orders.to_pandas()
    arrived = orders[(orders.ts_matching_in_ns >= start)
                     & (orders.ts_matching_in_ns < start + 5_000_000)]
    assert len(arrived) > 0
    assert (arrived.ts_matching_start_ns >= start + 5_000_000).all()
    assert (tmp_path / "run" / "report.html").is_file()
    assert (tmp_path / "run" / "plots" / "queue_depth.png").is_file()


def test_partition_run_loses_nothing(tmp_path: Path, make_scenario: Any) -> None:
    extra = ('[[faults]]\nkind = "partition"\nlink = "client_to_gateway"\nat = "50ms"\n'
             'duration = "5ms"\n')
    plain = run_scenario(load_scenario(make_scenario()), out_dir=tmp_path / "a",
                         write_report=False)
    held = run_scenario(load_scenario(make_scenario(extra, "held")), out_dir=tmp_path / "b",
                        write_report=False)
    assert held.result.orders.num_rows == plain.result.orders.num_rows
    assert held.summary["orders"]["lost"] == plain.summary["orders"]["lost"]


def test_run_refuses_a_fault_after_the_window(make_scenario: Any) -> None:
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.at"):
        run_scenario(load_scenario(make_scenario(PAUSE.replace("50ms", "5s"))),
                     write_report=False)


def test_a_fault_missing_a_key_is_named_without_its_kind(make_scenario: Any) -> None:
    bad = make_scenario('[[faults]]\nkind = "pause"\ntarget = "matching"\nat = "1ms"\n')
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.duration: Field required"):
        load_scenario(bad)
