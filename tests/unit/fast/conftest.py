"""Fixtures: run one scenario on both engines and list every way the results differ."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from sim.model.platform import RunResult
from sim.runner import inspect_inputs, run_scenario, simulate
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[3]
FIELDS = ("sim_start_ns", "sim_end_ns", "events_processed", "direct_events_applied",
          "scheduled_events")


def both(scenario: Scenario) -> tuple[RunResult, RunResult]:
    """The SimPy run and the fast run of ``scenario``."""
    infos = inspect_inputs(scenario)
    fast = scenario.model_copy(update={"engine": "fast"})
    return simulate(scenario, infos), simulate(fast, infos)


def differences(simpy: RunResult, fast: RunResult) -> list[str]:
    """Every column, table, counter and field that differs, with a first example."""
    found: list[str] = []
    for name in simpy.orders.column_names:
        left, right = simpy.orders.column(name), fast.orders.column(name)
        if not left.equals(right):
            values = list(zip(left.to_pylist(), right.to_pylist(), strict=True))
            bad = [index for index, (a, b) in enumerate(values) if a != b]
            found.append(f"orders.{name}: {len(bad)} rows, first {bad[0]}: {values[bad[0]]}")
    if not simpy.fills.equals(fast.fills):
        found.append(f"fills: {simpy.fills.num_rows} vs {fast.fills.num_rows} rows")
    for name in sorted(simpy.components.keys() | fast.components.keys()):
        if simpy.components.get(name) != fast.components.get(name):
            found.append(f"{name}: {simpy.components.get(name)} vs {fast.components.get(name)}")
    found += [f"{field}: {getattr(simpy, field)} vs {getattr(fast, field)}"
              for field in FIELDS if getattr(simpy, field) != getattr(fast, field)]
    return found


def bundled(name: str, *overrides: str) -> Scenario:
    """A bundled scenario with ``--set`` overrides."""
    return load_scenario(ROOT / "scenarios" / f"{name}.toml", list(overrides))


def digests(scenario: Scenario, folder: Path) -> tuple[str, str, dict[str, Any]]:
    """Both engines' run digests (run folders under ``folder``) and the fast summary."""
    simpy = run_scenario(scenario, out_dir=folder / "simpy", write_report=False)
    fast = run_scenario(scenario.model_copy(update={"engine": "fast"}),
                        out_dir=folder / "fast", write_report=False)
    return simpy.summary["digest"], fast.summary["digest"], fast.summary


@pytest.fixture(scope="session")
def engines() -> SimpleNamespace:
    """``both``, ``differences``, ``bundled`` and ``digests`` for the tests here."""
    return SimpleNamespace(both=both, differences=differences, bundled=bundled, digests=digests)
