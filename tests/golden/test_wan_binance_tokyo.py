"""scenarios/wan_binance_tokyo.toml: reruns are byte-identical; the median is 71 ms + platform."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sim.runner import run_scenario
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "wan_binance_tokyo.toml"
MEASURED_MEDIAN_NS = 71_000_000
"""Median create round trip in data/latency/binance_tokyo_create_rtt.parquet."""


def test_wan_reruns_match_and_end_to_end_median_is_the_measured_rtt_plus_platform(
    tmp_path: Path, golden_run: Any,
) -> None:
    first = golden_run("wan_binance_tokyo")
    second = run_scenario(load_scenario(SCENARIO), out_dir=tmp_path / "b", write_report=False)
    assert first.summary["digest"] == second.summary["digest"]
    latency = first.summary["latency_ns"]
    assert latency["link.client_to_gateway"]["p50"] == MEASURED_MEDIAN_NS
    rest = sum(
        figures["mean"]
        for name, figures in latency.items()
        if name not in {"end_to_end", "link.client_to_gateway"}
    )
    assert 0 < rest < 1_000_000
    assert abs(latency["end_to_end"]["p50"] - (MEASURED_MEDIAN_NS + rest)) <= 1_000_000
    assert first.summary["orders"]["lost"] == 0


def test_digest_does_not_depend_on_where_the_checkout_is(tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere"
    for folder in ("scenarios", "data/samples", "data/latency"):
        shutil.copytree(ROOT / folder, copy / folder)
    window = ["data.duration=500ms"]
    here = run_scenario(load_scenario(SCENARIO, window),
                        out_dir=tmp_path / "a", write_report=False)
    there = run_scenario(load_scenario(copy / "scenarios" / "wan_binance_tokyo.toml", window),
                         out_dir=tmp_path / "b", write_report=False)
    assert here.summary["digest"] == there.summary["digest"]
    link = there.summary["scenario"]["topology"]["links"]["client_to_gateway"]
    assert link["latency"]["path"] == "binance_tokyo_create_rtt.parquet"
