"""CI rules of budgets and baselines: "off" lines, exact display, tolerances, filters, inputs."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.report.budget import (
    BudgetError,
    BudgetResult,
    judge,
    load_budget,
    parse_budget,
    scenario_budget,
)
from sim.report.budget_values import format_margin, format_pair, format_value
from sim.report.check_format import markdown_table
from sim.report.compare import (
    BaselineError,
    Tolerance,
    check_patterns,
    check_regressions,
    diff_summaries,
    input_difference,
    regression_metrics,
)
from sim.scenario import load_scenario


def test_off_drops_a_line_inherited_through_extends(tmp_path: Path, small_ticks: Path) -> None:
    base = tmp_path / "base.toml"
    base.write_text(
        f'name = "b"\n[data]\nsources = [{{ name = "c", path = "{small_ticks}" }}]\n'
        '[budget]\n"gateway.p99" = "<= 60us"\n"end_to_end.p99" = "<= 1ms"\nlost = "== 0"\n',
        encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\n[budget]\ngateway.p99 = "off"\n'
                     '"end_to_end.p99" = "<= 2ms"\n', encoding="utf-8")
    budget = scenario_budget(load_scenario(child).budget, child)
    assert [(line.metric, line.limit) for line in budget.lines] == [
        ("end_to_end.p99", 2_000_000), ("lost", 0)]


def test_off_is_still_name_checked_and_only_off_drops(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text('[budget]\nlost = "== 0"\n"gatway.p99" = "off"\n', encoding="utf-8")
    with pytest.raises(BudgetError, match=r"b\.toml:3: key 'gatway\.p99': unknown latency "
                                        r"segment 'gatway'; did you mean 'gateway\.p99'\?"):
        load_budget(path)
    assert [line.metric for line in parse_budget({"lost": "off", "submitted": ">= 1"}).lines] \
        == ["submitted"]
    with pytest.raises(BudgetError, match=r"is not a check.*or \"off\" to drop"):
        parse_budget({"lost": "OFF!"})


def test_a_failing_line_never_prints_equal_to_its_limit() -> None:
    result = judge("end_to_end.p99", "<=", 118_000, 118_400, "ns")
    assert result.describe() == ("end_to_end.p99 = 118.4us, limit <= 118us: FAIL "
                                 "(off by 400ns)")
    assert judge("gateway.p99", "<=", 60_000, 60_000.5, "ns").describe() == (
        "gateway.p99 = 60.0005us, limit <= 60us: FAIL (off by 0.5ns)")
    assert judge("fill_rate", ">=", 0.2, 0.1999999, "").describe() == (
        "fill_rate = 0.1999999, limit >= 0.2: FAIL (off by 1e-07)")
    # Values the short form already separates keep it.
    assert format_pair(512_000, 480_000, "ns") == ("512us", "480us")
    assert format_value(118_400, "ns") == "118us"


@given(limit=st.floats(min_value=0, max_value=1e13, allow_nan=False),
       excess=st.floats(min_value=0, max_value=1e12, allow_nan=False),
       unit=st.sampled_from(["ns", ""]))
def test_any_value_over_its_limit_prints_differently(limit: float, excess: float,
                                                     unit: str) -> None:
    value = limit + excess
    if value <= limit:
        value = math.nextafter(limit, math.inf)  # the closest value over the limit
    actual, shown_limit = format_pair(value, limit, unit)
    assert actual != shown_limit
    assert format_margin(value - limit, unit) != format_margin(0.0, unit)
    result = judge("m.p99" if unit else "lost", "<=", limit, value, unit)
    row = markdown_table([result]).splitlines()[-1].split("|")
    assert row[2].strip().removeprefix("<= ") != row[3].strip()


def test_absolute_tolerance_moves_latency_limits_by_a_duration(summary: dict[str, Any]) -> None:
    slower = copy.deepcopy(summary)
    slower["latency_ns"]["gateway"]["p99"] = 32_001  # baseline 30us: +2.001us
    slower["latency_ns"]["risk"]["p99"] = 22_000  # baseline 20us: +2us, at the limit
    results = {r.metric: r for r in check_regressions(summary, slower,
                                                      Tolerance(absolute_ns=2_000))}
    assert results["gateway.p99"].limit == 32_000
    assert not results["gateway.p99"].passed
    assert results["risk.p99"].passed
    assert results["fill_rate"].limit == pytest.approx(0.35)  # no fraction: may not fall
    both = Tolerance(relative=0.1, absolute_ns=1_000)
    mixed = {r.metric: r for r in check_regressions(summary, slower, both)}
    assert mixed["gateway.p99"].limit == pytest.approx(34_000)  # 30us * 1.1 + 1us
    assert mixed["fill_rate"].limit == pytest.approx(0.315)
    assert check_regressions(summary, slower, 0.05) == check_regressions(
        summary, slower, Tolerance(relative=0.05))  # a plain fraction still works


def test_metric_patterns_filter_the_comparison_and_the_diff(summary: dict[str, Any]) -> None:
    results = check_regressions(summary, summary, 0.1, ["*.p99", "fill_rate"])
    assert [r.metric for r in results] == [
        "end_to_end.p99", "gateway.p99", "risk.p99", "matching.p99",
        "link.client_to_gateway.p99", "link.gateway_to_risk.p99", "link.risk_to_matching.p99",
        "link.matching_to_client.p99", "fill_rate"]
    rows = diff_summaries(summary, summary, ["gateway.*"])
    assert [row.metric for row in rows] == [f"gateway.{stat}" for stat in (
        "count", "mean", "p50", "p90", "p99", "p99_9", "max")]
    assert len(regression_metrics(summary)) == 8 * 5 + 2


def test_a_pattern_that_matches_nothing_is_refused(summary: dict[str, Any]) -> None:
    names = regression_metrics(summary)
    check_patterns(["gateway.*", "lost"], names)
    with pytest.raises(BaselineError) as caught:
        check_patterns(["gateway.*", "gatway.p99"], names)
    assert str(caught.value) == (
        "--metrics 'gatway.p99' matches no figure of the comparison; did you mean "
        "'gateway.p99'? patterns are globs such as 'gateway.*' or '*.p99' (see `sim diff` "
        "for the names)")


def test_input_difference_names_the_file_that_differs() -> None:
    baseline = {"input": [{"name": "clients", "file": "a.parquet", "fingerprint": "1" * 64}]}
    same = [{"name": "clients", "file": "a.parquet", "fingerprint": "1" * 64}]
    assert input_difference(baseline, same) is None
    other = [{"name": "clients", "file": "b.parquet", "fingerprint": "2" * 64}]
    assert input_difference(baseline, other) == (
        "input 'clients' differs: the baseline read a.parquet (fingerprint 111111111111), "
        "this run reads b.parquet (fingerprint 222222222222)")
    assert input_difference(baseline, [*same, {"name": "x", "file": "x.parquet"}]) == (
        "input 'x' (x.parquet) is not in the baseline")
    assert input_difference(baseline, []) == (
        "the baseline also read input 'clients' (a.parquet)")


def test_budget_result_equal_to_limit_prints_equal() -> None:
    result = BudgetResult("lost", "<", 0, 0.0, 0.0, passed=False)
    assert result.describe() == "lost = 0, limit < 0: FAIL (off by 0)"
