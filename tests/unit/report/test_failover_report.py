"""The failover section of summary.json, its fault window and its report table, by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.model.platform import RunResult
from sim.report.failover import failover_summary
from sim.report.html import regenerate, render_html
from sim.report.summary import summarize
from sim.report.timeline import ReportError
from sim.runner import fault_windows, run_scenario
from sim.scenario import load_scenario
from sim.scenario.loader import scenario_from_dict

FAILED, DETECTED, RECOVERED, OUTAGE_END = 1_000_000, 4_000_000, 6_500_000, 7_000_000

FAILOVER: dict[str, int] = {
    "failed_at_ns": FAILED,
    "detected_at_ns": DETECTED,
    "recovered_at_ns": RECOVERED,
    "outage_end_ns": OUTAGE_END,
    "snapshot_at_ns": 0,
    "snapshot_load_ns": 2_000_000,
    "wal_records_replayed": 500,
    "replay_ns": 500_000,
    "messages_lost": 7,
    "retransmits": 9,
    "max_retransmits_per_message": 3,
    "retransmit_timeout_ns": 2_000_000,
    "retransmit_backoff": 2,
    "retransmit_max_timeout_ns": 5_000_000,
    "orders_delayed": 4,
}
COMPONENTS: dict[str, dict[str, int]] = {
    "stage.gateway": {"arrivals": 10, "served": 10, "workers": 1},
    "failover.matching": FAILOVER,
}

# (sent, end to end or None for no ack, outage_delay_ns); the outage is [1ms, 7ms)
ROWS: list[tuple[int, int | None, int]] = [
    (0, 100_000, 0),
    (500_000, 120_000, 0),
    (900_000, 6_200_000, 6_000_000),  # sent before the failure, held inside the dead engine
    (1_000_000, 6_100_000, 6_000_000),  # sent at the failure: inside
    (2_000_000, 5_150_000, 5_000_000),
    (4_000_000, 3_100_000, 3_000_000),
    (6_999_999, 130_000, 0),  # last instant inside, not held
    (7_000_000, 110_000, 0),  # the window's end is outside
    (8_000_000, None, 0),  # never acked: no end-to-end sample
    (9_000_000, 90_000, 0),
]


STAGE_STAMPS = [f"ts_{stage}_{point}_ns" for stage in ("gateway", "risk", "matching")
                for point in ("in", "start", "out")]


def orders_table(rows: list[tuple[int, int | None, int]] = ROWS) -> pa.Table:
    """Resting adds with send/ack stamps and ``outage_delay_ns`` (stage stamps null)."""
    count = len(rows)
    return pa.table({
        "order_seq": pa.array(range(count), pa.int64()),
        "action": ["add"] * count,
        "qty": pa.array([10] * count, pa.int64()),
        "filled_qty": pa.array([0] * count, pa.int64()),
        "outcome": ["resting"] * count,
        "reject_reason": pa.array([None] * count, pa.string()),
        "reject_stage": pa.array([None] * count, pa.string()),
        "ts_sent_ns": pa.array([sent for sent, _, _ in rows], pa.int64()),
        **{name: pa.array([None] * count, pa.int64()) for name in STAGE_STAMPS},
        "ts_ack_ns": pa.array([None if e2e is None else sent + e2e for sent, e2e, _ in rows],
                              pa.int64()),
        "outage_delay_ns": pa.array([delay for _, _, delay in rows], pa.int64()),
    })


def test_failover_figures_match_a_hand_computation() -> None:
    (target,) = failover_summary(orders_table(), COMPONENTS, lost=0)["failover"].items()
    name, figures = target
    assert name == "matching"
    assert figures["detection_ns"] == 3_000_000
    assert figures["outage"] == {"start_ns": FAILED, "end_ns": OUTAGE_END,
                                 "duration_ns": 6_000_000}
    assert figures["recovery"] == {
        "detected_at_ns": DETECTED, "snapshot_at_ns": 0, "snapshot_load_ns": 2_000_000,
        "wal_records_replayed": 500, "replay_ns": 500_000, "recovered_at_ns": RECOVERED,
        "redirect_ns": 500_000,
    }
    assert (figures["messages_lost"], figures["retransmits"], figures["orders_delayed"]) == (
        7, 9, 4)
    assert figures["resends"] == {
        "total": 9, "max_per_message": 3,
        "schedule": {"timeout_ns": 2_000_000, "backoff": 2, "max_timeout_ns": 5_000_000,
                     "timers_ns": [2_000_000, 4_000_000, 5_000_000]},
    }
    # delays > 0: 3, 5, 6, 6 ms; inverted CDF: p50 is the 2nd, p99 the 4th
    assert figures["outage_delay_ns"] == {"count": 4, "mean": 5_000_000.0, "p50": 5_000_000,
                                          "p99": 6_000_000, "max": 6_000_000}
    # inside [1ms, 7ms): 130us, 3.1ms, 5.15ms, 6.1ms; outside: 90, 100, 110, 120us, 6.2ms
    assert figures["end_to_end_ns"] == {
        "sent_inside": {"count": 4, "p50": 3_100_000, "p99": 6_100_000},
        "sent_outside": {"count": 5, "p50": 110_000, "p99": 6_200_000},
    }
    assert figures["lost"] == 0


def test_inside_and_outside_split_every_end_to_end_sample() -> None:
    """Every request with both stamps is in exactly one of the two groups."""
    orders = orders_table()
    split = failover_summary(orders, COMPONENTS, lost=0)["failover"]["matching"]["end_to_end_ns"]
    total = summarize(orders, sim_start_ns=0, sim_end_ns=10_000_000)["latency_ns"]["end_to_end"]
    assert split["sent_inside"]["count"] + split["sent_outside"]["count"] == total["count"] == 9


def test_delay_p99_is_below_max_with_enough_orders() -> None:
    """Inverted CDF over 200 delayed orders (1..200 ns): p99 is the 198th, not the max."""
    rows = [(FAILED + k, 1_000, k + 1) for k in range(200)] + [(0, 500, 0)]
    figures = failover_summary(orders_table(rows), COMPONENTS, lost=0)["failover"]["matching"]
    assert figures["outage_delay_ns"] == {"count": 200, "mean": 100.5, "p50": 100, "p99": 198,
                                          "max": 200}


def test_lost_is_the_orders_figure_passed_in() -> None:
    figures = failover_summary(orders_table(), COMPONENTS, lost=3)["failover"]["matching"]
    assert figures["lost"] == 3


def test_no_failover_component_gives_no_section() -> None:
    plain = {"stage.gateway": COMPONENTS["stage.gateway"]}
    assert failover_summary(orders_table(), plain, lost=0) == {}
    without_column = orders_table().drop_columns(["outage_delay_ns"])
    assert failover_summary(without_column, plain, lost=0) == {}  # the column is not needed


def test_missing_counter_or_column_names_it() -> None:
    broken = {"failover.matching": {k: v for k, v in FAILOVER.items() if k != "replay_ns"}}
    with pytest.raises(ReportError, match=r"failover\.matching.*replay_ns"):
        failover_summary(orders_table(), broken, lost=0)
    old = {"failover.matching": {k: v for k, v in FAILOVER.items()
                                 if not k.startswith("retransmit_")}}
    with pytest.raises(ReportError) as caught:
        failover_summary(orders_table(), old, lost=0)
    assert str(caught.value).startswith(
        "components['failover.matching'] lacks retransmit_timeout_ns, retransmit_backoff, "
        "retransmit_max_timeout_ns; ")
    with pytest.raises(ReportError, match="outage_delay_ns"):
        failover_summary(orders_table().drop_columns(["outage_delay_ns"]), COMPONENTS, lost=0)


BASE: dict[str, Any] = {"name": "s", "data": {"sources": [{"path": "x.parquet"}]}}
FAULTS: list[dict[str, Any]] = [
    {"kind": "pause", "target": "risk", "at": "1ms", "duration": "2ms"},
    {"kind": "failover", "target": "matching", "at": "1ms"},
]


def test_fault_list_takes_the_failover_window_from_the_run() -> None:
    scenario = scenario_from_dict({**BASE, "faults": FAULTS, "topology": {
        "audit": {}, "standbys": {"matching": {}}}})
    pause, failover = fault_windows(scenario, 0, COMPONENTS)
    assert (pause["kind"], pause["start_ns"], pause["end_ns"]) == ("pause", 1_000_000, 3_000_000)
    assert failover == {"kind": "failover", "subject": "matching", "target": "matching",
                        "start_ns": FAILED, "end_ns": OUTAGE_END}
    # a run that reports no failover (none happened) lists only the scheduled faults
    assert [fault["kind"] for fault in fault_windows(scenario, 0, {})] == ["pause"]


FAILOVER_TOML = """
[topology.audit]
[topology.standbys.matching]

[[faults]]
kind = "failover"
target = "matching"
at = "1ms"
"""


def _fake_result(orders: pa.Table, components: dict[str, dict[str, int]]) -> RunResult:
    fills = pa.table({"ts_ns": pa.array([], pa.int64())})
    return RunResult(orders=orders, fills=fills, components=components, sim_start_ns=0,
                     sim_end_ns=10_000_000, events_processed=10, direct_events_applied=0,
                     scheduled_events=0)


def test_run_with_failover_writes_section_fault_and_report(
    tmp_path: Path, make_scenario: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through run_scenario with a hand-made RunResult (the model's side is stubbed)."""
    monkeypatch.setattr("sim.runner.simulate",
                        lambda *args, **kwargs: _fake_result(orders_table(), COMPONENTS))
    scenario = load_scenario(make_scenario(FAILOVER_TOML))
    outcome = run_scenario(scenario, out_dir=tmp_path / "a")
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert summary["failover"]["matching"]["outage"]["duration_ns"] == 6_000_000
    assert summary["faults"] == [{"kind": "failover", "subject": "matching",
                                  "target": "matching", "start_ns": FAILED,
                                  "end_ns": OUTAGE_END}]
    assert summary["components"]["failover.matching"] == FAILOVER
    assert list(summary).index("failover") == list(summary).index("faults") + 1
    assert outcome.summary == summary
    page = (tmp_path / "a" / "report.html").read_text()
    assert '<table id="failover">' in page
    assert '<table id="faults">' in page
    assert "<td>failover</td><td>matching</td><td>0.001000000 s</td><td>0.007000000 s</td>" \
           "<td>6ms</td>" in page
    rerun = run_scenario(scenario, out_dir=tmp_path / "b")
    assert rerun.summary == summary
    for png in sorted((tmp_path / "a" / "plots").glob("*.png")):
        assert png.read_bytes() == (tmp_path / "b" / "plots" / png.name).read_bytes(), png.name


PLAIN_KEYS = ["schema_version", "scenario_name", "digest", "run_id", "orders", "latency_ns",
              "throughput", "sim_start_ns", "sim_end_ns", "components", "events", "input",
              "overrides", "scenario", "versions"]


def test_run_without_failover_has_no_new_keys(
    tmp_path: Path, make_scenario: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = {"stage.gateway": COMPONENTS["stage.gateway"]}
    orders = orders_table().drop_columns(["outage_delay_ns"])
    monkeypatch.setattr("sim.runner.simulate", lambda *args, **kwargs: _fake_result(orders, plain))
    outcome = run_scenario(load_scenario(make_scenario()), out_dir=tmp_path / "r",
                           write_report=False)
    assert list(outcome.summary) == PLAIN_KEYS
    assert "failover" not in json.loads((tmp_path / "r" / "summary.json").read_text())


def _rows(page: str) -> dict[str, list[str]]:
    """The Failover table's rows as ``label -> cells``."""
    table = page.split('<table id="failover">', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in table.split("<tr>")[2:]:
        cells = [cell.split("</td>", 1)[0] for cell in row.split("<td>")[1:]]
        rows[cells[0]] = cells[1:]
    return rows


def test_failover_table_shows_formatted_figures(tmp_path: Path, summary: dict[str, Any]
                                                ) -> None:
    section = failover_summary(orders_table(), COMPONENTS, lost=0)
    page = render_html(tmp_path, {**summary, **section}).read_text()
    rows = _rows(page)
    assert rows["detection time"] == ["3ms"]
    assert rows["outage start (from run start)"] == ["0.001000000 s"]
    assert rows["outage end"] == ["0.007000000 s"]
    assert rows["outage"] == ["6ms"]
    assert rows["snapshot taken before the failure"] == ["1ms"]  # at 0, failure at 1ms
    assert rows["snapshot load"] == ["2ms"]
    assert rows["WAL records replayed"] == ["500"]
    assert rows["WAL replay"] == ["500us"]
    assert rows["redirect"] == ["500us"]
    assert (rows["messages lost"], rows["messages retransmitted"]) == (["7"], ["9"])
    assert rows["most resends of one message"] == ["3"]
    assert rows["resend timer"] == ["2ms x2 up to 5ms"]
    assert rows["orders delayed"] == ["4"]
    assert rows["extra latency of delayed orders: p99"] == ["6ms"]
    assert rows["end to end p99, sent in the outage"] == ["6.1ms"]
    assert rows["end to end p99, sent outside it"] == ["6.2ms"]
    assert rows["orders lost"] == ["0"]
    assert "failover.matching" not in page.split('<table id="components">', 1)[1].split(
        "</table>", 1)[0]


def test_no_failover_table_without_failover(tmp_path: Path, summary: dict[str, Any]) -> None:
    page = render_html(tmp_path, summary).read_text()
    assert "Failover" not in page
    assert 'id="failover"' not in page


def test_regenerate_keeps_failover_pngs_byte_identical(tmp_path: Path,
                                                       summary: dict[str, Any]) -> None:
    """``sim report`` shades the failover window the same way on every rebuild."""
    faulted = {**summary, **failover_summary(orders_table(), COMPONENTS, lost=0),
               "faults": [{"kind": "failover", "subject": "matching", "target": "matching",
                           "start_ns": FAILED, "end_ns": OUTAGE_END}]}
    pq.write_table(orders_table(), tmp_path / "orders.parquet")
    (tmp_path / "summary.json").write_text(json.dumps(faulted), encoding="utf-8")
    regenerate(tmp_path, interval_ns=500_000)
    first = {p.name: p.read_bytes() for p in (tmp_path / "plots").glob("*.png")}
    page = regenerate(tmp_path, interval_ns=500_000).read_text()
    assert {p.name: p.read_bytes() for p in (tmp_path / "plots").glob("*.png")} == first
    assert '<table id="failover">' in page
    assert len(first) == 9  # 8 plots and the zoom on the failover
    assert "zoom_1_failover_matching.png" in first
