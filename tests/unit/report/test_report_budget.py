"""Budget syntax, readable parse errors, evaluation, JUnit XML and Markdown output."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest

from sim.report.budget import BudgetError, evaluate, load_budget, parse_budget
from sim.report.check_format import junit_xml, markdown_table

BUDGET = """\
name = "ci"

[budget]
"end_to_end.p99" = "<= 480us"
"gateway.p99_9" = "<= 1ms"
"link.client_to_gateway.p50" = "<= 30us"
fill_rate = ">= 0.2"
reject_rate = "<= 0.01"
lost = "== 0"
matching.max = "<= 50us"
"rejects.price_collar" = "< 5"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "budget.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_budget_parses_every_line(tmp_path: Path) -> None:
    budget = load_budget(_write(tmp_path, BUDGET))
    metrics = [(line.metric, line.operator, line.limit) for line in budget.lines]
    assert metrics == [
        ("end_to_end.p99", "<=", 480_000),
        ("gateway.p99_9", "<=", 1_000_000),
        ("link.client_to_gateway.p50", "<=", 30_000),
        ("fill_rate", ">=", 0.2),
        ("reject_rate", "<=", 0.01),
        ("lost", "==", 0),
        ("matching.max", "<=", 50_000),
        ("rejects.price_collar", "<", 5),
    ]


def test_evaluate_passes_and_fails_with_margins(tmp_path: Path, summary: dict[str, Any]) -> None:
    results = {r.metric: r for r in evaluate(load_budget(_write(tmp_path, BUDGET)), summary)}
    assert results["end_to_end.p99"].passed
    assert results["end_to_end.p99"].margin == 80_000
    assert results["fill_rate"].passed
    assert not results["reject_rate"].passed  # 0.05 > 0.01
    assert results["reject_rate"].margin == pytest.approx(-0.04)
    assert not results["matching.max"].passed  # 80us > 50us
    assert results["lost"].passed
    assert results["rejects.price_collar"].passed
    assert "over" not in results["matching.max"].describe()
    assert "80us" in results["matching.max"].describe()


def test_metric_missing_from_summary_fails(summary: dict[str, Any]) -> None:
    del summary["latency_ns"]["risk"]
    budget = parse_budget({"risk.p99": "<= 1ms"}, "scenario.toml")
    (result,) = evaluate(budget, summary)
    assert not result.passed
    assert result.actual is None
    assert "missing" in result.describe()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('"end_to_end.p99" = "480us"', "budget.toml:5: key 'end_to_end.p99'"),
        ('"end_to_end.p99" = "<= 480 parsecs"', "duration"),
        ('fill_rate = ">= lots"', "budget.toml:5: key 'fill_rate'"),
        ('"end_to_end.p42" = "<= 1ms"', "unknown budget metric 'end_to_end.p42'"),
        ("lost = 0", "is not a check"),
    ],
)
def test_parse_errors_name_file_line_and_key(tmp_path: Path, line: str, message: str) -> None:
    text = f'name = "x"\n\n[budget]\nsubmitted = ">= 1"\n{line}\n'
    with pytest.raises(BudgetError) as caught:
        load_budget(_write(tmp_path, text))
    assert message in str(caught.value)
    assert "budget.toml" in str(caught.value)


def test_load_budget_rejects_bad_toml_and_missing_table(tmp_path: Path) -> None:
    with pytest.raises(BudgetError, match=r"budget\.toml: not valid TOML"):
        load_budget(_write(tmp_path, "[budget\n"))
    with pytest.raises(BudgetError, match=r"no \[budget\] table"):
        load_budget(_write(tmp_path, 'name = "x"\n'))
    with pytest.raises(BudgetError, match="cannot read"):
        load_budget(tmp_path / "absent.toml")


def test_junit_xml_counts_tests_and_failures(tmp_path: Path, summary: dict[str, Any]) -> None:
    results = evaluate(load_budget(_write(tmp_path, BUDGET)), summary)
    root = ElementTree.fromstring(junit_xml(results, "budget"))
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "8"
    assert suite.get("failures") == "2"
    cases = suite.findall("testcase")
    assert len(cases) == 8
    failed = [case for case in cases if case.find("failure") is not None]
    assert [case.get("name") for case in failed] == ["reject_rate <= 0.01", "matching.max <= 50us"]
    message = failed[1].find("failure")
    assert message is not None
    assert "80us" in (message.get("message") or "")


def test_markdown_table_has_a_row_per_check(tmp_path: Path, summary: dict[str, Any]) -> None:
    results = evaluate(load_budget(_write(tmp_path, BUDGET)), summary)
    table = markdown_table(results)
    lines = table.strip().splitlines()
    assert lines[0] == "| metric | check | actual | margin | result |"
    assert len(lines) == 2 + 8
    assert "| end_to_end.p99 | <= 480us | 400us | +80us | pass |" in lines
    assert "| matching.max | <= 50us | 80us | -30us | **FAIL** |" in lines
