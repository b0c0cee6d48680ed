"""scenarios/volume_10x.toml: 10x the rate on today's workers loads every stage 10x.

Both scenarios replay the first 2 s of the sample (``data.duration`` cuts the original
times, before compression), so the 10x run sees the same orders in a tenth of the time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.errors import ScenarioError
from sim.runner import RunOutcome, inspect_inputs, run_scenario
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
VOLUME_10X = ROOT / "scenarios" / "volume_10x.toml"
WINDOW = ["data.duration=2s"]
STAGES = ("gateway", "risk", "matching", "publisher")


def run(path: Path, out: Path) -> RunOutcome:
    return run_scenario(load_scenario(path, WINDOW), out_dir=out, write_report=False)


@pytest.fixture(scope="module")
def runs(golden_run: Any) -> dict[str, RunOutcome]:
    return {"baseline": golden_run("baseline", WINDOW),
            "volume_10x": golden_run("volume_10x", WINDOW)}


def utilisation(summary: dict[str, Any]) -> dict[str, float]:
    span_ns = summary["throughput"]["sim_duration_ns"]
    return {name: summary["components"][name]["busy_ns"]
            / (summary["components"][name]["workers"] * span_ns) for name in STAGES}


def test_same_orders_replayed_in_a_tenth_of_the_time(runs: dict[str, RunOutcome]) -> None:
    base, ten = runs["baseline"].summary, runs["volume_10x"].summary
    assert ten["input"] == base["input"]
    assert ten["orders"]["requests"] == base["orders"]["requests"]
    ratio = base["throughput"]["sim_duration_ns"] / ten["throughput"]["sim_duration_ns"]
    assert 9 <= ratio <= 10.5


def test_tail_latency_and_queues_grow(runs: dict[str, RunOutcome]) -> None:
    base, ten = runs["baseline"].summary, runs["volume_10x"].summary
    assert ten["latency_ns"]["end_to_end"]["p99"] > base["latency_ns"]["end_to_end"]["p99"]
    base_depth = max(base["components"][name]["max_queue_depth"] for name in STAGES)
    ten_depth = max(ten["components"][name]["max_queue_depth"] for name in STAGES)
    assert ten_depth > base_depth


def test_utilisation_is_ten_times_baseline_up_to_saturation(
        runs: dict[str, RunOutcome]) -> None:
    base = utilisation(runs["baseline"].summary)
    ten = utilisation(runs["volume_10x"].summary)
    for name in STAGES:
        if ten[name] < 0.9:
            assert 8 <= ten[name] / base[name] <= 12, (name, base[name], ten[name])
        else:
            assert ten[name] >= 0.9, name


def test_queue_full_rejects_reported_and_match_components(runs: dict[str, RunOutcome]) -> None:
    ten = runs["volume_10x"].summary
    per_stage = sum(ten["components"][name].get("rejected.queue_full", 0) for name in STAGES)
    assert per_stage > 0
    assert ten["orders"]["rejects_by_reason"]["queue_full"] == per_stage
    assert "queue_full" not in runs["baseline"].summary["orders"]["rejects_by_reason"]


def test_conservation_no_order_lost(runs: dict[str, RunOutcome]) -> None:
    for outcome in runs.values():
        orders = outcome.summary["orders"]
        assert orders["lost"] == 0
        assert sum(orders["by_outcome"].values()) == orders["submitted"]


def test_two_runs_give_identical_digests(runs: dict[str, RunOutcome], tmp_path: Path) -> None:
    again = run(VOLUME_10X, tmp_path / "again")
    assert again.summary["digest"] == runs["volume_10x"].summary["digest"]
    assert again.summary["digest"] != runs["baseline"].summary["digest"]


def test_injections_must_fall_inside_the_compressed_window() -> None:
    fat_finger = ROOT / "scenarios" / "fat_finger.toml"
    inspect_inputs(load_scenario(fat_finger, ["data.volume.multiplier=2"]))
    with pytest.raises(ScenarioError, match="inject"):
        inspect_inputs(load_scenario(fat_finger, ["data.volume.multiplier=10"]))
