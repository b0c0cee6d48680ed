"""``sim run --engine``: the fast engine gives the SimPy digest, or refuses in one line."""

import json
from pathlib import Path

from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()
SHORT = ["--set", "data.duration=1s", "--no-report", "--quiet"]


def test_fast_engine_digest_equals_simpy(tmp_path: Path) -> None:
    digests = {}
    for engine in ("simpy", "fast"):
        out = tmp_path / engine
        result = runner.invoke(app, ["run", "scenarios/baseline.toml", "--engine", engine,
                                     "--out", str(out), *SHORT])
        assert result.exit_code == 0, result.output
        digests[engine] = json.loads((out / "summary.json").read_text())["digest"]
    assert digests["fast"] == digests["simpy"]


def test_a_scenario_the_fast_engine_cannot_compute_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "refused"
    result = runner.invoke(app, ["run", "scenarios/failover.toml", "--engine", "fast",
                                 "--out", str(out), *SHORT, "--set", "faults.0.at=0.5s"])
    assert result.exit_code == 2
    assert "failover is not supported by the fast engine" in result.output
    assert not out.exists()


def test_an_unknown_engine_is_bad_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "scenarios/baseline.toml", "--engine", "turbo",
                                 "--out", str(tmp_path / "x"), *SHORT])
    assert result.exit_code == 2
    assert "engine: must be 'simpy' or 'fast' (got 'turbo')" in result.output
