import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()
MakeScenario = Callable[..., Path]

LOOSE = '[budget]\n"end_to_end.p99" = "<= 1s"\nfill_rate = ">= 0"\nlost = "== 0"\n'
TIGHT = '[budget]\n"end_to_end.p99" = "<= 1ns"\nlost = "== 0"\n'


def test_budget_that_holds_exits_0_with_junit(tmp_path: Path, make_scenario: MakeScenario
                                              ) -> None:
    junit, markdown = tmp_path / "j.xml", tmp_path / "m.md"
    result = runner.invoke(app, ["check", str(make_scenario(LOOSE)), "--out",
                                 str(tmp_path / "r"), "--junit", str(junit),
                                 "--markdown", str(markdown)])
    assert result.exit_code == 0, result.output
    assert "3 passed, 0 failed" in result.output
    suite = ET.parse(junit).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("3", "0")
    assert "end_to_end.p99" in markdown.read_text()


def test_budget_that_fails_exits_1_and_names_the_line(tmp_path: Path,
                                                      make_scenario: MakeScenario) -> None:
    junit = tmp_path / "j.xml"
    result = runner.invoke(app, ["check", str(make_scenario(TIGHT)), "--out",
                                 str(tmp_path / "r"), "--junit", str(junit)])
    assert result.exit_code == 1, result.output
    assert "FAIL end_to_end.p99" in result.output
    assert "1 passed, 1 failed" in result.output
    suite = ET.parse(junit).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")


def test_bad_budget_file_exits_2_naming_line(tmp_path: Path, make_scenario: MakeScenario
                                             ) -> None:
    budget = tmp_path / "b.toml"
    budget.write_text('[budget]\n"end_to_end.p99" = "<= 1s"\n"end_to_end.p42" = "<= 1ms"\n')
    result = runner.invoke(app, ["check", str(make_scenario()), "--budget", str(budget),
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "b.toml:3" in result.output
    assert "end_to_end.p42" in result.output


def test_no_budget_is_bad_input(tmp_path: Path, make_scenario: MakeScenario) -> None:
    result = runner.invoke(app, ["check", str(make_scenario()), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "no budget" in result.output


def test_baseline_trips_on_slowed_stage_not_on_identical_rerun(
        tmp_path: Path, make_scenario: MakeScenario) -> None:
    scenario = str(make_scenario(LOOSE))
    first = runner.invoke(app, ["run", scenario, "--out", str(tmp_path / "a"), "--quiet"])
    assert first.exit_code == 0, first.output
    same = runner.invoke(app, ["check", scenario, "--out", str(tmp_path / "b"),
                               "--baseline", str(tmp_path / "a"), "--tolerance", "10%"])
    assert same.exit_code == 0, same.output
    slowed = runner.invoke(app, ["check", scenario, "--out", str(tmp_path / "c"),
                                 "--baseline", str(tmp_path / "a"), "--tolerance", "10%",
                                 "--set", 'topology.matching.service={kind="constant",'
                                          'value="60us"}'])
    assert slowed.exit_code == 1, slowed.output
    assert "FAIL matching." in slowed.output
    reread = runner.invoke(app, ["check", "--run", str(tmp_path / "c"),
                                 "--baseline", str(tmp_path / "a")])
    assert reread.exit_code == 1


def test_diff_and_report(tmp_path: Path, make_scenario: MakeScenario) -> None:
    scenario = str(make_scenario())
    runner.invoke(app, ["run", scenario, "--out", str(tmp_path / "a"), "--quiet"])
    runner.invoke(app, ["run", scenario, "--out", str(tmp_path / "b"), "--quiet", "--seed", "9"])
    result = runner.invoke(app, ["diff", str(tmp_path / "a"), str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert "end_to_end.p99" in result.output
    assert "fill_rate" in result.output
    plots = sorted((tmp_path / "a" / "plots").glob("*.png"))
    assert {"latency_waterfall.png", "throughput.png", "utilisation.png", "queue_depth.png",
            "fill_rate.png", "tail_attribution.png"} <= {p.name for p in plots}  # and more
    before = {p.name: p.read_bytes() for p in plots}
    html_before = (tmp_path / "a" / "report.html").read_bytes()
    shutil.rmtree(tmp_path / "a" / "plots")
    regenerated = runner.invoke(app, ["report", str(tmp_path / "a")])
    assert regenerated.exit_code == 0, regenerated.output
    after = {p.name: p.read_bytes() for p in (tmp_path / "a" / "plots").glob("*.png")}
    assert after == before
    assert (tmp_path / "a" / "report.html").read_bytes() == html_before
    missing = runner.invoke(app, ["report", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2
