"""Bundled scenarios by name: `sim scenarios` and `sim run NAME` from any directory."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.examples import bundled_scenarios, scenarios_dir
from sim.scenario.loader import resolve_scenario_name

ROOT = Path(__file__).resolve().parents[2]
NAMES = sorted(path.stem for path in (ROOT / "scenarios").glob("*.toml"))
FILES = sorted(path.relative_to(ROOT / "scenarios").as_posix()
               for path in (ROOT / "scenarios").rglob("*.toml"))
"""Every scenario file, subfolders (scenarios/reference) included, as `sim scenarios` lists them."""
runner = CliRunner()


def test_bundled_scenarios_are_the_repository_scenarios() -> None:
    assert list(bundled_scenarios()) == NAMES
    assert (scenarios_dir() / "baseline.toml").read_bytes() == (
        ROOT / "scenarios" / "baseline.toml").read_bytes()
    assert (scenarios_dir() / ".." / "data" / "samples" / "synthetic_2sym_10s.parquet").is_file()


def test_a_bare_name_is_a_bundled_scenario_unless_a_file_has_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_scenario_name("baseline") == bundled_scenarios()["baseline"]
    assert resolve_scenario_name("baseline.toml") == Path("baseline.toml")  # a file name
    assert resolve_scenario_name("x/baseline") == Path("x/baseline")
    (tmp_path / "baseline").write_text("")
    assert resolve_scenario_name("baseline") == Path("baseline")  # an existing file wins
    with pytest.raises(ScenarioError) as caught:
        resolve_scenario_name("basline")
    assert str(caught.value) == (
        "scenario not found: 'basline' is neither a file nor a bundled scenario; did you mean "
        f"'baseline'? give a .toml file or one of: {', '.join(NAMES)} (`sim scenarios`)")


def test_sim_scenarios_lists_the_bundled_ones_from_anywhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["scenarios"])
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.output.splitlines()]
    assert listed == [Path(name).stem for name in FILES]
    assert "Today's platform" in result.output.splitlines()[listed.index("baseline")]
    local = runner.invoke(app, ["scenarios", "--folder", str(ROOT / "scenarios")])
    assert [line.split()[0] for line in local.output.splitlines()] == FILES
    missing = runner.invoke(app, ["scenarios", "--folder", "nowhere"])
    assert missing.exit_code == 2
    assert missing.output.strip() == ("error: nowhere: no such folder; pass --folder DIR, or "
                                      "omit it for the bundled scenarios")


def test_sim_run_and_check_take_a_bundled_name(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["check", "baseline", "--set", "data.duration=200ms",
                                 "--out", "r", "--metrics", "*"])
    assert result.exit_code == 2  # --metrics needs --baseline: checked before running
    result = runner.invoke(app, ["check", "baseline", "--set", "data.duration=200ms",
                                 "--set", 'budget.lost="== 0"', "--out", "r"])
    assert result.exit_code in (0, 1), result.output
    assert "PASS lost = 0, limit == 0" in result.output
    assert (tmp_path / "r" / "summary.json").is_file()
    typo = runner.invoke(app, ["run", "basline"])
    assert typo.exit_code == 2
    assert "did you mean 'baseline'?" in typo.output
