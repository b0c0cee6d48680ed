"""The report page on its own: epoch-free times, setup, verdicts, fault attribution, terminal."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest

from sim.report.attribution import tail_attribution
from sim.report.budget import BudgetResult
from sim.report.html import regenerate, render_html
from sim.report.plots import write_plots
from sim.report.terminal import render_run_summary

EPOCH = 1_767_364_200_000_032_256
"""A realistic absolute start (2026-01-02 14:30:00.000032256 UTC)."""

STAMPS = ["ts_sent_ns", "ts_ack_ns", *(f"ts_{stage}_{point}_ns"
                                      for stage in ("gateway", "risk", "matching")
                                      for point in ("in", "start", "out"))]


def _shifted(orders: pl.DataFrame) -> pl.DataFrame:
    """The orders moved to :data:`EPOCH`, with ``outage_delay_ns`` for two held orders."""
    moved = orders.with_columns(*(pl.col(c) + EPOCH for c in STAMPS))
    delays = [0] * moved.height
    delays[100], delays[101] = 3_000_000, 2_500_000
    held = [pl.col(c) + (3_000_000 if c.startswith(("ts_matching", "ts_ack")) else 0)
            for c in STAMPS]
    moved = moved.with_row_index("row").with_columns(
        *(pl.when(pl.col("row").is_in([100, 101])).then(expr).otherwise(pl.col(expr.meta
          .output_name())) for expr in held)).drop("row")
    return moved.with_columns(pl.Series("outage_delay_ns", delays, dtype=pl.Int64))


def _faulted(summary: dict[str, Any], orders: pl.DataFrame) -> dict[str, Any]:
    sent = orders.get_column("ts_sent_ns").to_list()
    start = sent[100] - 1_000
    return {**summary, "sim_start_ns": EPOCH, "sim_end_ns": EPOCH + 6_500_000,
            "faults": [{"kind": "failover", "subject": "matching", "target": "matching",
                        "start_ns": start, "end_ns": start + 3_000_000},
                       {"kind": "pause", "subject": "gateway", "target": "gateway",
                        "start_ns": EPOCH + 4_000_000, "end_ns": EPOCH + 4_005_000}],
            "input": [{"name": "clients", "file": "flow.parquet", "rows": 400,
                       "symbols": ["AAA"], "fingerprint": "ab" * 32}],
            "overrides": ["seed=7", "topology.risk.workers=2"]}


@pytest.fixture
def faulted_run(tmp_path: Path, random_orders: pl.DataFrame,
                summary: dict[str, Any]) -> tuple[Path, dict[str, Any]]:
    orders = _shifted(random_orders)
    faulted = _faulted(summary, orders)
    pq.write_table(orders.to_arrow(), tmp_path / "orders.parquet")
    (tmp_path / "summary.json").write_text(json.dumps(faulted), encoding="utf-8")
    return tmp_path, faulted


def _visible_text(page: str) -> str:
    """The page without its embedded images (base64 can hold any digits)."""
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)


EPOCH_LIKE = re.compile(r"(?<![0-9a-f])(?:\d{16,}|1[67]\d{8}(?:\.\d+)?|\d(?:\.\d+)?e\+?(?:09|18))"
                        r"(?![0-9a-f])")
"""Epoch seconds (``17xxxxxxxx``), epoch ns (16+ digits) or ``1.7e+09``-style offsets."""


def test_page_has_no_epoch_scale_numbers_and_pngs_rerun_identical(
        faulted_run: tuple[Path, dict[str, Any]]) -> None:
    """One rebuild checked twice: epoch-free text, then the same PNG bytes when redrawn."""
    run_dir, faulted = faulted_run
    page = _visible_text(regenerate(run_dir, interval_ns=250_000).read_text())
    found = [m.group(0) for m in EPOCH_LIKE.finditer(page.replace(",", ""))]
    assert found == []
    assert "2026-01-02 14:30:00.000032256 UTC" in page
    assert "<td>pause</td><td>gateway</td><td>0.004000000 s</td><td>0.004005000 s</td>" in page
    assert EPOCH_LIKE.search(f"{EPOCH:,}".replace(",", ""))  # the check would catch one
    first = {p.name: p.read_bytes() for p in sorted((run_dir / "plots").glob("*.png"))}
    orders = pq.read_table(run_dir / "orders.parquet")
    timeline = pq.read_table(run_dir / "timeline.parquet")
    again = {p.name: p.read_bytes() for p in write_plots(run_dir, orders, timeline, faulted)}
    assert again == first
    names = list(again)
    assert names.index("zoom_1_failover_matching.png") == names.index(
        "latency_over_time.png") + 1
    assert "zoom_2_pause_gateway.png" in names
    assert "latency_tail.png" in names
    assert "latency_cdf.png" not in names


def test_report_shows_inputs_overrides_scenario_and_verdicts(
        faulted_run: tuple[Path, dict[str, Any]]) -> None:
    run_dir, faulted = faulted_run
    verdicts = [BudgetResult("end_to_end.p99", "<=", 200_000.0, 180_000.0, 20_000.0, True, "ns"),
                BudgetResult("lost", "==", 0.0, 2.0, -2.0, False)]
    page = render_html(run_dir, faulted, verdicts=verdicts).read_text()
    assert page.index('id="budget"') < page.index('id="headline-latency"')
    assert "1 passed, 1 failed" in page
    assert "<td>PASS</td><td>end_to_end.p99</td><td>180us</td><td>&lt;= 200us</td>" in page
    assert "<td>FAIL</td><td>lost</td><td>2</td><td>== 0</td>" in page
    assert "<code>--set seed=7</code>" in page
    assert "<td>flow.parquet</td><td>400</td>" in page
    assert "ab" * 32 in page
    assert '<details id="scenario">' in page
    assert "&quot;timeline_interval&quot;" in page
    without = render_html(run_dir, {k: v for k, v in faulted.items() if k != "overrides"})
    assert "Not recorded in this run's summary.json" in without.read_text()
    assert 'id="budget"' not in without.read_text()


def test_components_table_has_utilisation_and_link_delays(
        tmp_path: Path, summary: dict[str, Any]) -> None:
    summary["components"]["gateway"]["busy_ns"] = 500_000_000  # 2 workers over 1 s: 25%
    summary["components"]["link.client_to_gateway"] = {
        "messages": 4, "scheduled": 4, "delay_ns_total": 100_000, "max_delay_ns": 40_000}
    page = render_html(tmp_path, summary).read_text()
    assert "<td>gateway</td><td>2</td><td>100</td><td>100</td><td>0</td><td>3</td>" \
           "<td>500ms</td><td>25.0%</td>" in page
    assert "<td>client_to_gateway</td><td>4</td><td>4</td><td>25us</td><td>20us</td>" \
           "<td>40us</td><td>0</td>" in page


def test_tail_attribution_charges_held_orders_to_the_fault(
        faulted_run: tuple[Path, dict[str, Any]]) -> None:
    """The two orders the failover held are the slowest: charged to it, not to a link."""
    run_dir, faulted = faulted_run
    orders = pq.read_table(run_dir / "orders.parquet")
    plain = {row["component"]: row["orders"] for row in tail_attribution(orders).to_pylist()}
    rows = {row["component"]: row for row in
            tail_attribution(orders, faults=faulted["faults"]).to_pylist()}
    assert rows["failover matching"]["orders"] == 2
    assert rows["failover matching"]["mean_ns"] == pytest.approx(2_750_000)
    assert sum(row["orders"] for row in rows.values()) == sum(plain.values()) == 4
    assert "failover matching" not in plain
    page = render_html(run_dir, faulted, attribution=tail_attribution(
        orders, faults=faulted["faults"])).read_text()
    assert "<td>failover matching</td><td>2</td><td>50.0%</td><td>2.75ms</td>" in page


def test_terminal_summary_adds_utilisation_faults_failover_and_paths(
        faulted_run: tuple[Path, dict[str, Any]]) -> None:
    run_dir, faulted = faulted_run
    faulted["digest"] = "0123456789abcdef" * 4
    faulted["failover"] = {"matching": {
        "detection_ns": 2_000_000, "outage": {"duration_ns": 3_000_000},
        "recovery": {"snapshot_load_ns": 1_000_000, "wal_records_replayed": 1_234,
                     "replay_ns": 600_000, "redirect_ns": 400_000},
        "messages_lost": 5, "retransmits": 6, "orders_delayed": 2,
        "outage_delay_ns": {"p99": 3_000_000, "max": 3_000_000},
        "end_to_end_ns": {"sent_inside": {"count": 2, "p99": 3_050_000},
                          "sent_outside": {"count": 398, "p99": 60_000}}, "lost": 0}}
    (run_dir / "report.html").write_text("x", encoding="utf-8")
    text = render_run_summary(faulted, run_dir)
    lines = text.splitlines()
    assert lines[0].startswith("segment")
    assert "p99.9" in lines[0]
    assert "orders submitted 100: filled 30, partial 5" in text
    assert "utilisation: gateway 0.0% (2 workers), risk 0.0%, matching 0.0%" in text
    assert "fault pause gateway: from 0.004000000 s for 5us" in lines
    assert ("failover matching: detected after 2ms, outage 3ms (snapshot load 1ms, 1,234 WAL "
            "records replayed in 600us, redirect 400us)") in lines
    assert "  end to end p99: 3.05ms for the 2 requests sent in the outage, 60us outside it" \
        in lines
    assert lines[-2:] == [f"digest 0123456789abcdef  wrote {run_dir}",
                          f"report {run_dir / 'report.html'}"]
