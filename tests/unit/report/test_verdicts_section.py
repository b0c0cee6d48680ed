"""The report's Budget table never shows a failing value equal to its limit."""

from __future__ import annotations

from sim.report.budget import BudgetResult
from sim.report.html_context import verdicts_section


def test_a_failing_value_just_over_its_limit_prints_differently_from_it() -> None:
    result = BudgetResult(metric="end_to_end.p99", operator="<=", limit=118_000.0,
                          actual=118_400.0, margin=-400.0, passed=False, unit="ns")
    page = verdicts_section([result])
    assert "<td>118.4us</td>" in page
    assert "&lt;= 118us" in page or "<= 118us" in page
    assert "-400ns" in page
    assert "0 passed, 1 failed" in page


def test_no_verdicts_no_section() -> None:
    assert verdicts_section([]) == ""
