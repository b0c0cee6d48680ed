"""Run-to-run diffs and baseline regression checks."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sim.report.compare import check_regressions, diff_summaries


def test_diff_lists_every_headline_figure(summary: dict[str, Any]) -> None:
    slower = copy.deepcopy(summary)
    slower["latency_ns"]["end_to_end"]["p99"] = 600_000
    rows = {row.metric: row for row in diff_summaries(summary, slower)}
    assert rows["end_to_end.p99"].abs_change == 200_000
    assert rows["end_to_end.p99"].rel_change == pytest.approx(0.5)
    assert rows["end_to_end.p99"].unit == "ns"
    assert rows["fill_rate"].abs_change == 0
    assert rows["rejects.collar"].a == 3
    assert rows["throughput.acks_per_s"].b == 100
    assert "link.matching_to_client.p99_9" in rows
    assert rows["lost"].rel_change is None  # 0 in the baseline


def test_diff_handles_figures_only_one_side_has(summary: dict[str, Any]) -> None:
    other = copy.deepcopy(summary)
    other["orders"]["rejects_by_reason"]["kill_switch"] = 4
    rows = {row.metric: row for row in diff_summaries(summary, other)}
    assert rows["rejects.kill_switch"].a == 0
    assert rows["rejects.kill_switch"].b == 4


def test_identical_run_passes_regression_check(summary: dict[str, Any]) -> None:
    results = check_regressions(summary, copy.deepcopy(summary), tolerance=0.05)
    assert results
    assert all(result.passed for result in results)


def test_slower_run_trips_regression_check(summary: dict[str, Any]) -> None:
    slower = copy.deepcopy(summary)
    slower["latency_ns"]["gateway"]["p99"] = 33_000  # +10 %
    slower["latency_ns"]["risk"]["p99"] = 20_500  # +2.5 %, inside tolerance
    slower["orders"]["fill_rate"] = 0.30
    failed = {r.metric: r for r in check_regressions(summary, slower, 0.05) if not r.passed}
    assert set(failed) == {"gateway.p99", "fill_rate"}
    assert "+10.0%" in failed["gateway.p99"].describe()
    assert failed["gateway.p99"].limit == pytest.approx(31_500)
