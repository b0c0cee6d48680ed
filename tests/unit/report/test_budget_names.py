"""Budget keys are resolved against the summary schema when parsed, before any run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.report.budget import BudgetError, load_budget, scenario_budget
from sim.report.budget_names import (
    THROUGHPUT_KEYS,
    budget_key_lines,
    metric_names,
    reject_reasons,
)
from sim.report.summary import SEGMENTS, summarize
from tests.unit.report.conftest import make_orders

SEGMENT_LIST = ", ".join(SEGMENTS)
REASON_LIST = ", ".join(reject_reasons())


def _budget(tmp_path: Path, line: str) -> Path:
    path = tmp_path / "budget.toml"
    path.write_text(f'[budget]\nlost = "== 0"\n{line}\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('"rejects.queue_ful" = "<= 10"',
         "key 'rejects.queue_ful': unknown reject reason 'queue_ful'; did you mean "
         f"'rejects.queue_full'? known reject reasons: {REASON_LIST}"),
        ('"gatway.p99" = "<= 1ms"',
         "key 'gatway.p99': unknown latency segment 'gatway'; did you mean 'gateway.p99'? "
         f"known latency segments: {SEGMENT_LIST}"),
        ('"matchng.p99" = "<= 1ms"',
         "key 'matchng.p99': unknown latency segment 'matchng'; did you mean 'matching.p99'? "
         f"known latency segments: {SEGMENT_LIST}"),
        ('"outcome.filed" = ">= 1"',
         "key 'outcome.filed': unknown outcome 'filed'; did you mean 'outcome.filled'? "
         "known outcomes: filled, partial, resting, cancelled, rejected"),
        ('"throughput.x" = ">= 1"',
         "key 'throughput.x': unknown throughput figure 'x'; known throughput figures: "
         "acks_per_s, requests_per_s, sim_duration_ns"),
        ('"link.market_data.p99" = "<= 1ms"',
         "key 'link.market_data.p99': unknown latency segment 'link.market_data'; "
         f"known latency segments: {SEGMENT_LIST}"),
    ],
)
def test_unknown_names_are_refused_with_file_line_and_a_suggestion(
    tmp_path: Path, line: str, problem: str
) -> None:
    path = _budget(tmp_path, line)
    with pytest.raises(BudgetError) as caught:
        load_budget(path)
    assert str(caught.value) == f"{path}:3: {problem}"


def test_an_unknown_stat_suggests_the_closest_metric(tmp_path: Path) -> None:
    path = _budget(tmp_path, '"gateway.p999" = "<= 1ms"')
    with pytest.raises(BudgetError, match=r"budget\.toml:3: key 'gateway\.p999': unknown budget "
                                          r"metric 'gateway\.p999'; did you mean 'gateway\.p99_9'"):
        load_budget(path)


def test_every_listed_name_parses() -> None:
    from sim.report.budget import parse_budget
    from sim.report.budget_names import FAILOVER_METRICS, LATENCY_STATS

    def check(name: str) -> str:
        timed = name in FAILOVER_METRICS or name.rsplit(".", 1)[-1] in LATENCY_STATS
        return ">= 0ns" if timed else ">= 0"

    budget = parse_budget({name: check(name) for name in metric_names()})
    assert len(budget.lines) == len(metric_names())
    assert {"rejects.queue_full", "rejects.rate_limited", "rejects.unknown_order",
            "rejects.price_collar", "rejects.kill_switch"} <= set(metric_names())


def test_throughput_keys_match_the_summary() -> None:
    orders = pa.Table.from_pandas(make_orders([{"ts_sent_ns": 0, "ts_ack_ns": 5}]).to_pandas())
    summary = summarize(orders, sim_start_ns=0, sim_end_ns=10)
    assert tuple(sorted(summary["throughput"])) == THROUGHPUT_KEYS
    assert tuple(summary["latency_ns"]) == tuple(SEGMENTS)


def test_key_lines_follow_tables_quotes_and_dots() -> None:
    text = (
        "[topology.gateway]\n"            # 1
        "fill_rate = 3\n"                 # 2: not in [budget]
        "[budget]\n"                      # 3
        '"end_to_end.p99" = "<= 1ms"\n'   # 4
        "gateway . p99 = '<= 1ms'\n"      # 5
        "# lost = 1\n"                    # 6
        "[budget.matching]  # nested\n"   # 7
        'max = "<= 1ms"\n'                # 8
        "[[faults]]\n"                    # 9
        "lost = 1\n"                      # 10: not in [budget]
    )
    assert budget_key_lines(text) == {"end_to_end.p99": 4, "gateway.p99": 5, "matching.max": 8}
    assert budget_key_lines('budget.lost = "== 0"\n') == {"lost": 1}


def test_scenario_budget_names_the_file_and_line_of_each_key(tmp_path: Path) -> None:
    parent = tmp_path / "base.toml"
    parent.write_text('name = "b"\n[budget]\nlost = "== 0"\n"gatway.p99" = "<= 1ms"\n',
                      encoding="utf-8")
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\n[budget]\nfill_rate = ">= 0.1"\n', encoding="utf-8")
    table = {"lost": "== 0", "fill_rate": ">= 0.1", "submitted": ">= 1"}
    budget = scenario_budget(table, child)
    assert [line.where for line in budget.lines] == [
        f"{parent}:3: key 'lost'",
        f"{child}:3: key 'fill_rate'",
        f"{child} [budget]: key 'submitted'",  # from --set: no line to name
    ]
    with pytest.raises(BudgetError) as caught:
        scenario_budget({"gatway.p99": "<= 1ms"}, child)
    assert str(caught.value).startswith(f"{parent}:4: key 'gatway.p99': unknown latency segment")


def test_non_utf8_and_directory_budget_files(tmp_path: Path) -> None:
    path = tmp_path / "budget.toml"
    path.write_bytes(b'[budget]\nlost = "\xe9"\n')
    with pytest.raises(BudgetError) as caught:
        load_budget(path)
    assert str(caught.value) == (
        f"{path}: budget file is not UTF-8 text (byte 0xe9 at offset 17); save it as UTF-8")
    with pytest.raises(BudgetError) as caught:
        load_budget(tmp_path)
    assert str(caught.value) == f"{tmp_path}: cannot read budget file (Is a directory)"


def test_sim_check_refuses_a_budget_typo_before_running(
    tmp_path: Path, make_scenario: Any
) -> None:
    scenario = make_scenario('[budget]\nlost = "== 0"\n"rejects.queue_ful" = "<= 10"\n')
    out = tmp_path / "never"
    result = CliRunner().invoke(app, ["check", str(scenario), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1] == (
        f"error: {scenario}:7: key 'rejects.queue_ful': unknown reject reason 'queue_ful'; "
        f"did you mean 'rejects.queue_full'? known reject reasons: {REASON_LIST}")
    assert not out.exists()  # stopped before the run


def test_sim_check_budget_file_typo_exits_2(tmp_path: Path, make_scenario: Any) -> None:
    budget = _budget(tmp_path, '"outcome.filed" = ">= 1"')
    out = tmp_path / "never"
    result = CliRunner().invoke(app, ["check", str(make_scenario()), "--budget", str(budget),
                                      "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert f"error: {budget}:3: key 'outcome.filed': unknown outcome 'filed'; did you mean " \
        "'outcome.filled'?" in result.output
    assert not out.exists()


def test_sim_check_run_resolves_the_runs_own_budget(
    tmp_path: Path, summary: dict[str, Any]
) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    summary["scenario"] = {**summary.get("scenario", {}), "budget": {"throughput.x": ">= 1"}}
    (run_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "--run", str(run_dir)])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1] == (
        f"error: {run_dir}/summary.json [budget]: key 'throughput.x': unknown throughput figure "
        "'x'; known throughput figures: acks_per_s, requests_per_s, sim_duration_ns")
