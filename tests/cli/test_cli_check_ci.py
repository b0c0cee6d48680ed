"""`sim check` / `sim diff` CI rules: exact exit codes and messages."""

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.data.generate import FlowSpec, generate_flow, write_events
from tests.conftest import scenario_text

runner = CliRunner()
MakeScenario = Callable[..., Path]


@pytest.fixture(scope="module")
def run_a(tmp_path_factory: pytest.TempPathFactory, small_ticks: Path) -> Path:
    """One run folder of the small scenario (``small.toml``), shared by this module's tests."""
    folder = tmp_path_factory.mktemp("run_a")
    scenario = folder / "small.toml"
    scenario.write_text(scenario_text(small_ticks))
    result = runner.invoke(app, ["run", str(scenario), "--out", str(folder / "a"), "--quiet"])
    assert result.exit_code == 0, result.output
    return folder / "a"


def _slowed_copy(run: Path, target: Path, segment: str, stat: str, by_ns: int) -> Path:
    """A copy of ``run`` whose summary says ``segment.stat`` took ``by_ns`` longer."""
    shutil.copytree(run, target)
    summary = json.loads((target / "summary.json").read_text())
    summary["latency_ns"][segment][stat] += by_ns
    (target / "summary.json").write_text(json.dumps(summary))
    return target


def _error(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_absolute_tolerance(tmp_path: Path, run_a: Path) -> None:
    base = json.loads((run_a / "summary.json").read_text())["latency_ns"]["gateway"]["p99"]
    inside = _slowed_copy(run_a, tmp_path / "in", "gateway", "p99", 2_000)
    result = runner.invoke(app, ["check", "--run", str(inside), "--baseline", str(run_a),
                                 "--tolerance", "2us"])
    assert result.exit_code == 0, result.output
    over = _slowed_copy(run_a, tmp_path / "over", "gateway", "p99", 2_001)
    result = runner.invoke(app, ["check", "--run", str(over), "--baseline", str(run_a),
                                 "--tolerance", "2us", "--metrics", "gateway.p99"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("FAIL gateway.p99 = ")
    assert "FAIL (off by 1ns; baseline " in lines[0]
    assert lines[1] == "0 passed, 1 failed"
    actual, limit = lines[0].split(" = ")[1].split(": FAIL")[0].split(", limit <= ")
    assert actual != limit, (base, lines[0])
    both = runner.invoke(app, ["check", "--run", str(over), "--baseline", str(run_a),
                               "--tolerance", "2us", "--tolerance", "1%",
                               "--metrics", "gateway.p99"])
    assert both.exit_code == 0, both.output


@pytest.mark.parametrize(("values", "message"), [
    (["2parsecs"], "error: --tolerance '2parsecs': "),
    (["5%", "0.1"], "error: --tolerance '0.1': give at most one percentage or fraction"),
    (["1us", "2us"], "error: --tolerance '2us': give at most one duration"),
    (["-5%"], "error: --tolerance '-5%' must be a finite number, not negative"),
    (["ten"], "error: --tolerance 'ten': "),
])
def test_bad_tolerances_exit_2(run_a: Path, values: list[str], message: str) -> None:
    args = ["check", "--run", str(run_a), "--baseline", str(run_a)]
    for value in values:
        args += ["--tolerance", value]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert _error(result.output).startswith(message)


def test_baseline_on_other_input_is_refused(tmp_path: Path, run_a: Path) -> None:
    other = tmp_path / "other.parquet"
    write_events(generate_flow(FlowSpec(symbols=("AA", "BB"), duration_ns=100_000_000,
                                        rate_per_s=5_000, seed=12)), other)
    scenario = tmp_path / "other.toml"
    scenario.write_text(scenario_text(other, '[budget]\nlost = "== 0"\n'))
    out = tmp_path / "never"
    result = runner.invoke(app, ["check", str(scenario), "--baseline", str(run_a),
                                 "--out", str(out)])
    assert result.exit_code == 2, result.output
    fingerprint = json.loads((run_a / "summary.json").read_text())["input"][0]["fingerprint"]
    assert _error(result.output).startswith(
        f"error: --baseline {run_a}: input 'clients' differs: the baseline read small.parquet "
        f"(fingerprint {fingerprint[:12]}), this run reads other.parquet (fingerprint ")
    assert _error(result.output).endswith(
        "); compare runs of the same data, or pass --allow-different-input")
    assert not out.exists()  # refused before running
    allowed = runner.invoke(app, ["check", str(scenario), "--baseline", str(run_a),
                                  "--out", str(out), "--allow-different-input"])
    assert allowed.exit_code in (0, 1), allowed.output
    assert "passed" in allowed.output
    reread = runner.invoke(app, ["check", "--run", str(out), "--baseline", str(run_a)])
    assert reread.exit_code == 2
    assert "input 'clients' differs" in reread.output


def test_metrics_filters_and_refuses_patterns_matching_nothing(run_a: Path) -> None:
    result = runner.invoke(app, ["check", "--run", str(run_a), "--baseline", str(run_a),
                                 "--metrics", "*.p99", "--metrics", "lost"])
    assert result.exit_code == 0, result.output
    checked = [line.split()[1] for line in result.output.splitlines()[:-1]]
    assert sorted(checked) == sorted([
        "end_to_end.p99", "gateway.p99", "risk.p99", "matching.p99",
        "link.client_to_gateway.p99", "link.gateway_to_risk.p99", "link.risk_to_matching.p99",
        "link.matching_to_client.p99", "lost"])
    typo = runner.invoke(app, ["check", "--run", str(run_a), "--baseline", str(run_a),
                               "--metrics", "matchng.p99"])
    assert typo.exit_code == 2
    assert _error(typo.output) == (
        "error: --metrics 'matchng.p99' matches no figure of the comparison; did you mean "
        "'matching.p99'? patterns are globs such as 'gateway.*' or '*.p99' (see `sim diff` "
        "for the names)")
    alone = runner.invoke(app, ["check", "--run", str(run_a), "--metrics", "*.p99"])
    assert alone.exit_code == 2
    assert _error(alone.output) == ("error: --metrics filters the comparison with --baseline; "
                                    "give --baseline RUN_DIR")


def test_diff_metrics(run_a: Path) -> None:
    result = runner.invoke(app, ["diff", str(run_a), str(run_a), "--metrics", "gateway.p9*"])
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()] == [
        "metric", "gateway.p90", "gateway.p99", "gateway.p99_9"]
    typo = runner.invoke(app, ["diff", str(run_a), str(run_a), "--metrics", "gatway.*"])
    assert typo.exit_code == 2
    assert _error(typo.output).startswith("error: --metrics 'gatway.*' matches no figure")


def test_extends_off_drops_an_inherited_line(tmp_path: Path, make_scenario: MakeScenario
                                             ) -> None:
    make_scenario('[budget]\n"gateway.p99" = "<= 1ns"\nlost = "== 0"\n', name="parent")
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent.toml"\nname = "child"\n[budget]\n'
                     '"gateway.p99" = "off"\n')
    result = runner.invoke(app, ["check", str(child), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "1 passed, 0 failed"
    assert "gateway.p99" not in result.output


def test_unknown_segment_in_a_budget_file_is_bad_input(tmp_path: Path, run_a: Path) -> None:
    budget = tmp_path / "budget.toml"
    budget.write_text('[budget]\nlost = "== 0"\n"matchng.p99" = "<= 1ms"\n')
    result = runner.invoke(app, ["check", "--run", str(run_a), "--budget", str(budget)])
    assert result.exit_code == 2
    assert _error(result.output).startswith(
        f"error: {budget}:3: key 'matchng.p99': unknown latency segment 'matchng'; "
        "did you mean 'matching.p99'?")


def test_the_report_of_a_checked_run_opens_with_the_verdicts(
        tmp_path: Path, make_scenario: MakeScenario, run_a: Path) -> None:
    scenario = make_scenario('[budget]\n"end_to_end.p99" = "<= 1ns"\nlost = "== 0"\n')
    result = runner.invoke(app, ["check", str(scenario), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1, result.output
    html = (tmp_path / "r" / "report.html").read_text()
    budget = html[html.index("<h2>Budget</h2>"):]
    assert budget.startswith("<h2>Budget</h2><p>1 passed, 1 failed")
    assert budget.index("end_to_end.p99") < budget.index("lost") < budget.index("</table>")
    assert html.index("<h2>Budget</h2>") < html.index("<h2", html.index("<h2>Budget</h2>") + 1)
    assert sorted(p.name for p in (tmp_path / "r" / "plots").glob("*.png"))
    before = (run_a / "report.html").read_bytes()
    reread = runner.invoke(app, ["check", "--run", str(run_a), "--baseline", str(run_a)])
    assert reread.exit_code == 0, reread.output
    assert (run_a / "report.html").read_bytes() == before  # --run leaves the folder alone
