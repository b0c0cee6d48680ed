"""scenarios/market_data_fanout.toml: four unicast subscribers, two of them slow consumers.

The first 6 s of the sample are enough (the back-office reader is cut off at about 5.1 s).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.runner import RunOutcome, run_scenario
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
WINDOW = ["data.duration=6s"]
SUBSCRIBERS = ("algo_colo", "algo_remote", "dashboard", "back_office")


def run(name: str, out: Path) -> RunOutcome:
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml", WINDOW)
    return run_scenario(scenario, out_dir=out, write_report=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, golden_run: Any) -> dict[str, RunOutcome]:
    return {"fanout": golden_run("market_data_fanout", WINDOW),
            "again": run("market_data_fanout", tmp_path_factory.mktemp("fanout") / "b"),
            "baseline": golden_run("baseline", WINDOW)}


def test_fanout_run_is_deterministic(runs: dict[str, RunOutcome]) -> None:
    assert runs["fanout"].summary["digest"] == runs["again"].summary["digest"]


def test_market_data_never_changes_the_order_flow(runs: dict[str, RunOutcome]) -> None:
    assert runs["fanout"].result.orders.equals(runs["baseline"].result.orders)


def test_unicast_serves_one_copy_per_subscriber(runs: dict[str, RunOutcome]) -> None:
    components = runs["fanout"].summary["components"]
    publisher = components["publisher"]
    assert publisher["copies"] == 4 * publisher["served"]
    assert publisher["busy_ns"] == publisher["copies"] * 1_000  # 1 us per copy
    for name in SUBSCRIBERS:
        figures = components[f"subscriber.{name}"]
        assert figures["sent"] == publisher["served"]
        assert figures["sent"] == figures["delivered"] + figures["dropped"] + figures["undelivered"]


def test_slow_consumers_lose_what_they_cannot_read(runs: dict[str, RunOutcome]) -> None:
    summary = runs["fanout"].summary
    components = summary["components"]
    fast = components["subscriber.algo_colo"]
    assert (fast["dropped"], fast["undelivered"], fast["max_buffer_depth"]) == (0, 0, 0)
    assert fast["max_latency_ns"] < 20_000  # 5 us link + 1 us read behind a sequenced feed
    dashboard = components["subscriber.dashboard"]
    assert dashboard["dropped"] > dashboard["sent"] // 5  # 150 us reads against ~100 us gaps
    assert (dashboard["undelivered"], dashboard["max_buffer_depth"]) == (0, 50)
    back_office = components["subscriber.back_office"]
    assert back_office["disconnected"] == 1
    cut_after_s = (back_office["disconnected_at_ns"] - summary["sim_start_ns"]) / 1e9
    assert 4 < cut_after_s < 6
    assert back_office["undelivered"] > 0
    assert back_office["dropped"] == 0
