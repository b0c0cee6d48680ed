"""Shared fixtures: small generated data and scenarios written into tmp folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.data.generate import FlowSpec, generate_flow, write_events

ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden``: rewrite tests/golden/pinned.json instead of checking it."""
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/pinned.json from the current runs and list "
                          "what changed (see docs/golden.md)")


@pytest.fixture(scope="session")
def small_ticks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 2,000 synthetic events on two symbols."""
    path = tmp_path_factory.mktemp("ticks") / "small.parquet"
    write_events(generate_flow(FlowSpec(symbols=("AA", "BB"), duration_ns=200_000_000,
                                        rate_per_s=5_000, seed=11)), path)
    return path


def scenario_text(ticks: Path, extra: str = "", name: str = "small") -> str:
    """A scenario over ``ticks`` with optional extra TOML appended."""
    return (f'name = "{name}"\nseed = 3\n[data]\nsources = [{{ name = "clients", '
            f'path = "{ticks}", route = "full" }}]\n{extra}')


@pytest.fixture
def small_scenario(tmp_path: Path, small_ticks: Path) -> Path:
    """A scenario file over ``small_ticks`` with default topology."""
    path = tmp_path / "small.toml"
    path.write_text(scenario_text(small_ticks))
    return path


@pytest.fixture
def make_scenario(tmp_path: Path, small_ticks: Path) -> object:
    """Factory: write a scenario over ``small_ticks`` with extra TOML, return its path."""

    def make(extra: str = "", name: str = "small") -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(scenario_text(small_ticks, extra, name))
        return path

    return make
