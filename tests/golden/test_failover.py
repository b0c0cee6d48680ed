"""scenarios/failover.toml: the matching engine dies at 4.5 s; the standby takes over.

The first 6 s of the sample are enough (the outage is over 11 ms after the failure).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.runner import RunOutcome, run_scenario
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
FAILOVER = ROOT / "scenarios" / "failover.toml"
WINDOW = ["data.duration=6s"]


def run(out: Path) -> RunOutcome:
    return run_scenario(load_scenario(FAILOVER, WINDOW), out_dir=out, write_report=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory,
         golden_run: Any) -> tuple[RunOutcome, RunOutcome]:
    return golden_run("failover", WINDOW), run(tmp_path_factory.mktemp("failover") / "b")


def test_failover_run_is_deterministic(runs: tuple[RunOutcome, RunOutcome]) -> None:
    first, second = runs
    assert first.summary["digest"] == second.summary["digest"]


def test_outage_is_reported_and_nothing_is_lost(runs: tuple[RunOutcome, RunOutcome]) -> None:
    summary = runs[0].summary
    failover = summary["failover"]["matching"]
    assert failover["detection_ns"] == 2_000_000  # 3 missed 1 ms beats, the first due at 4.5 s
    outage = failover["outage"]
    assert outage["start_ns"] == summary["sim_start_ns"] + 4_500_000_000
    recovery = failover["recovery"]
    assert outage["duration_ns"] == (2_000_000 + 5_000_000 + recovery["replay_ns"] + 1_000_000)
    assert recovery["wal_records_replayed"] > 1_000  # 0.5 s of flow since the 4 s snapshot
    assert failover["orders_delayed"] > 50
    assert failover["messages_lost"] == failover["retransmits"] >= failover["orders_delayed"]
    inside, outside = (failover["end_to_end_ns"][key] for key in ("sent_inside", "sent_outside"))
    assert inside["p99"] > outage["duration_ns"] // 2  # held for most of the outage
    assert outside["p99"] < 200_000  # the rest of the flow is unaffected
    assert failover["lost"] == summary["orders"]["lost"] == 0
    by_outcome = summary["orders"]["by_outcome"]
    assert sum(by_outcome.values()) == summary["orders"]["submitted"]


def test_failover_budget_holds(runs: tuple[RunOutcome, RunOutcome]) -> None:
    summary = runs[0].summary
    assert summary["latency_ns"]["end_to_end"]["p99"] <= 200_000
    assert summary["latency_ns"]["end_to_end"]["max"] <= 20_000_000
