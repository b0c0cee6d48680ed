"""Golden fixtures: one run per (scenario, overrides) per session, and the pinned figures.

Every golden test asks ``golden_run(name, overrides)`` for its run, so the pinned test
(``test_pinned.py``) and the behaviour tests share one simulation per scenario and window.
Shared outcomes are read-only: a test that needs a fresh run (a rerun for determinism, a
changed override) calls ``run_scenario`` itself.

``pytest tests/golden --update-golden`` rewrites ``pinned.json`` from the current runs and
lists what changed, old -> new, per figure, in the terminal summary (see docs/golden.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from sim.runner import RunOutcome, run_scenario
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
PINNED = Path(__file__).with_name("pinned.json")
CHANGES = pytest.StashKey[list[str]]()
"""Lines ``scenario: figure: old -> new`` recorded by ``--update-golden``, printed at the end."""


class GoldenRuns:
    """Runs a bundled scenario once per (name, overrides) and hands out the same outcome."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._runs: dict[tuple[str, tuple[str, ...]], RunOutcome] = {}

    def __call__(self, name: str, overrides: Sequence[str] = ()) -> RunOutcome:
        """The outcome of ``scenarios/<name>.toml`` with ``overrides`` (no report pages)."""
        key = (name, tuple(overrides))
        if key not in self._runs:
            scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml", list(overrides))
            out = self._folder / f"{name}-{len(self._runs)}"
            self._runs[key] = run_scenario(scenario, out_dir=out, write_report=False)
        return self._runs[key]


@pytest.fixture(scope="session")
def golden_run(tmp_path_factory: pytest.TempPathFactory) -> GoldenRuns:
    """Shared runs of the bundled scenarios (see ``GoldenRuns``)."""
    return GoldenRuns(tmp_path_factory.mktemp("golden"))


class PinnedFigures:
    """``pinned.json``: per scenario, its overrides, digest and headline figures."""

    def __init__(self, path: Path, update: bool, changes: list[str]) -> None:
        self.path = path
        self.update = update
        self.changes = changes

    def load(self) -> dict[str, Any]:
        """Every pinned entry (empty when the file does not exist yet)."""
        if not self.path.exists():
            return {}
        return dict(json.loads(self.path.read_text()))

    def store(self, name: str, entry: dict[str, Any], differences: list[str]) -> None:
        """Write ``entry`` for ``name`` (other scenarios kept) and record what changed."""
        entries = self.load() | {name: entry}
        text = json.dumps(dict(sorted(entries.items())), indent=2) + "\n"
        self.path.write_text(text)
        self.changes.extend(f"{name}: {line}" for line in differences)


@pytest.fixture(scope="session")
def pinned(request: pytest.FixtureRequest) -> PinnedFigures:
    """The pinned figures; in ``--update-golden`` mode they are rewritten instead of checked."""
    config = request.config
    changes = config.stash.setdefault(CHANGES, [])
    return PinnedFigures(PINNED, bool(config.getoption("--update-golden")), changes)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """After ``--update-golden``, list every figure that changed, old -> new."""
    if not config.getoption("--update-golden", default=False):
        return
    changes = config.stash.get(CHANGES, [])
    terminalreporter.section("golden figures updated")
    if not changes:
        terminalreporter.write_line(f"no pinned figure changed ({PINNED.name} as it was)")
    for line in changes:
        terminalreporter.write_line(line)
