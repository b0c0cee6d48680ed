"""Budget and regression results rendered for CI: JUnit XML and a Markdown table.

JUnit: one ``<testcase>`` per check (``classname`` is the suite, ``name`` the
metric and limit); a failing check carries a ``<failure>`` whose message holds the
figures. Markdown: one row per check, for pull-request comments and job summaries.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence

from sim.report.budget import BudgetResult
from sim.report.budget_values import format_margin, format_pair, format_value


def junit_xml(results: Sequence[BudgetResult], suite_name: str) -> str:
    """A JUnit XML document (``<testsuites>`` with one ``<testsuite>``) of ``results``."""
    failures = sum(1 for result in results if not result.passed)
    root = ElementTree.Element("testsuites", tests=str(len(results)), failures=str(failures))
    suite = ElementTree.SubElement(
        root,
        "testsuite",
        name=suite_name,
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    for result in results:
        limit = format_value(result.limit, result.unit)
        case = ElementTree.SubElement(
            suite,
            "testcase",
            classname=suite_name,
            name=f"{result.metric} {result.operator} {limit}",
        )
        if not result.passed:
            failure = ElementTree.SubElement(
                case, "failure", message=result.describe(), type="BudgetExceeded"
            )
            failure.text = result.describe()
        else:
            output = ElementTree.SubElement(case, "system-out")
            output.text = result.describe()
    ElementTree.indent(root)
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_table(results: Sequence[BudgetResult]) -> str:
    """A GitHub-flavoured Markdown table: metric, check, actual, margin, result."""
    rows = [
        "| metric | check | actual | margin | result |",
        "|---|---|---:|---:|---|",
    ]
    for result in results:
        if result.actual is None:
            actual, limit = "missing", format_value(result.limit, result.unit)
        else:
            actual, limit = format_pair(result.actual, result.limit, result.unit)
        if result.margin is None:
            margin = "-"
        else:
            sign = "-" if result.margin < 0 else "+"
            margin = sign + format_margin(abs(result.margin), result.unit)
        verdict = "pass" if result.passed else "**FAIL**"
        rows.append(
            f"| {_cell(result.metric)} | {_cell(f'{result.operator} {limit}')} | {actual} "
            f"| {margin} | {verdict} |"
        )
    return "\n".join(rows) + "\n"
