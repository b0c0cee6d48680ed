"""Failover budget metrics: parsing, pass/fail, and the error on a run without a failover."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.report.budget import BudgetError, evaluate, load_budget, parse_budget

FAILOVER_SECTION: dict[str, Any] = {"matching": {
    "detection_ns": 3_000_000,
    "outage": {"start_ns": 1_000_000, "end_ns": 7_000_000, "duration_ns": 6_000_000},
    "outage_delay_ns": {"count": 4, "mean": 5_000_000.0, "p50": 5_000_000, "p99": 6_000_000,
                        "max": 6_000_000},
    "lost": 0,
}}

BUDGET = """\
[budget]
"end_to_end.p99" = "<= 1ms"
failover_outage = "<= 50ms"
failover_detection = "<= 2ms"
failover_delayed_p99 = "< 6ms"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "budget.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_failover_metrics_parse_as_durations(tmp_path: Path) -> None:
    budget = load_budget(_write(tmp_path, BUDGET))
    lines = [(line.metric, line.operator, line.limit, line.unit) for line in budget.lines[1:]]
    assert lines == [("failover_outage", "<=", 50_000_000, "ns"),
                     ("failover_detection", "<=", 2_000_000, "ns"),
                     ("failover_delayed_p99", "<", 6_000_000, "ns")]


def test_failover_metrics_pass_and_fail(tmp_path: Path, summary: dict[str, Any]) -> None:
    summary["failover"] = FAILOVER_SECTION
    results = {r.metric: r for r in evaluate(load_budget(_write(tmp_path, BUDGET)), summary)}
    outage = results["failover_outage"]
    assert (outage.passed, outage.actual, outage.margin) == (True, 6_000_000, 44_000_000)
    detection = results["failover_detection"]
    assert (detection.passed, detection.actual, detection.margin) == (False, 3_000_000,
                                                                      -1_000_000)
    assert "3ms" in detection.describe()
    delayed = results["failover_delayed_p99"]
    assert (delayed.passed, delayed.actual) == (False, 6_000_000)  # 6ms is not < 6ms


def test_failover_metric_takes_the_worst_target(summary: dict[str, Any]) -> None:
    other = {**FAILOVER_SECTION["matching"], "detection_ns": 9_000_000}
    summary["failover"] = {**FAILOVER_SECTION, "risk": other}
    (result,) = evaluate(parse_budget({"failover_detection": "<= 5ms"}), summary)
    assert (result.actual, result.passed) == (9_000_000, False)


def test_delayed_p99_without_delayed_orders_fails_as_missing(summary: dict[str, Any]) -> None:
    calm = {**FAILOVER_SECTION["matching"], "outage_delay_ns": {"count": 0}}
    summary["failover"] = {"matching": calm}
    (result,) = evaluate(parse_budget({"failover_delayed_p99": "<= 5ms"}), summary)
    assert (result.actual, result.passed) == (None, False)
    assert "missing" in result.describe()


def test_failover_budget_on_a_run_without_failover_names_the_key(
    tmp_path: Path, summary: dict[str, Any]
) -> None:
    with pytest.raises(BudgetError, match=r"budget\.toml:3: key 'failover_detection'.*"
                                          r"no failover"):
        evaluate(load_budget(_write(tmp_path, BUDGET.replace(
            'failover_outage = "<= 50ms"\n', ""))), summary)
    with pytest.raises(BudgetError, match=r"scenario\.toml: key 'failover_outage'"):
        evaluate(parse_budget({"failover_outage": "<= 1s"}, "scenario.toml"), summary)


def test_budgets_without_failover_metrics_still_evaluate(summary: dict[str, Any]) -> None:
    (result,) = evaluate(parse_budget({"end_to_end.p99": "<= 1ms"}), summary)
    assert result.passed


def test_unknown_metric_error_lists_the_failover_metrics() -> None:
    with pytest.raises(BudgetError, match="failover_delayed_p99, failover_detection, "
                                          "failover_outage"):
        parse_budget({"failover_recovery": "<= 1ms"})


def test_sim_check_exits_2_on_failover_budget_without_failover(
    tmp_path: Path, summary: dict[str, Any]
) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    budget = _write(tmp_path, BUDGET)
    result = CliRunner().invoke(app, ["check", "--run", str(run_dir), "--budget", str(budget)])
    assert result.exit_code == 2, result.output
    assert "budget.toml:3: key 'failover_outage'" in result.output
    (run_dir / "summary.json").write_text(json.dumps({**summary, "failover": FAILOVER_SECTION}),
                                          encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--run", str(run_dir), "--budget", str(budget)])
    assert result.exit_code == 1, result.output
    assert "PASS failover_outage" in result.output
    assert "FAIL failover_detection" in result.output


def test_sim_check_refuses_a_failover_budget_before_simulating(
    tmp_path: Path, make_scenario: Any
) -> None:
    scenario = make_scenario('[budget]\nfailover_outage = "<= 50ms"\n')
    out = tmp_path / "never"
    result = CliRunner().invoke(app, ["check", str(scenario), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "this run has no failover, so failover_outage cannot be checked" in result.output
    assert not out.exists()  # stopped before the run
