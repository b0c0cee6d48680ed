"""Plots are written, byte-identical on rerun, and embedded in a self-contained report."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from sim.report.attribution import tail_attribution
from sim.report.html import regenerate, render_html
from sim.report.plots import PLOT_CAPTIONS, write_plots
from sim.report.timeline import ReportError, build_timeline


def _write(run_dir: Path, orders: pl.DataFrame, summary: dict[str, Any]) -> list[Path]:
    timeline = build_timeline(orders, 20_000, {"gateway": 2})
    return write_plots(run_dir, orders, timeline, summary)


def test_every_plot_is_written_and_identical_on_rerun(
    tmp_path: Path, random_orders: pl.DataFrame, summary: dict[str, Any]
) -> None:
    first = _write(tmp_path / "a", random_orders, summary)
    second = _write(tmp_path / "b", random_orders, summary)
    assert [p.name for p in first] == list(PLOT_CAPTIONS)
    for one, two in zip(first, second, strict=True):
        assert one.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert one.read_bytes() == two.read_bytes(), one.name
    assert not list((tmp_path / "a" / "plots").glob(".*"))  # no temporary files left


def test_html_embeds_every_plot_and_the_headline_tables(
    tmp_path: Path, random_orders: pl.DataFrame, summary: dict[str, Any]
) -> None:
    plots = _write(tmp_path, random_orders, summary)
    path = render_html(tmp_path, summary, plots, tail_attribution(random_orders))
    text = path.read_text(encoding="utf-8")
    assert path == tmp_path / "report.html"
    assert text.count("data:image/png;base64,") == len(PLOT_CAPTIONS)
    for name, caption in PLOT_CAPTIONS.items():
        assert f'id="{name.removesuffix(".png")}"' in text
        assert html.escape(caption) in text
    assert 'id="headline-latency"' in text
    assert "<td>end_to_end</td><td>100</td><td>50us</td><td>90us</td><td>400us</td>" in text
    assert "35.00%" in text  # fill rate
    assert "<td>collar</td><td>3</td>" in text
    assert 'id="tail"' in text
    assert re.search(r"https?:", text) is None
    assert "<script" not in text


def test_regenerate_rebuilds_timeline_plots_and_report(
    tmp_path: Path, random_orders: pl.DataFrame, summary: dict[str, Any]
) -> None:
    random_orders.write_parquet(tmp_path / "orders.parquet")
    (tmp_path / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    report = regenerate(tmp_path, interval_ns=50_000)
    first = report.read_bytes()
    assert (tmp_path / "timeline.parquet").is_file()
    timeline = pl.read_parquet(tmp_path / "timeline.parquet")
    assert set(timeline.get_column("component")) == {"gateway", "risk", "matching"}
    assert len(list((tmp_path / "plots").glob("*.png"))) == len(PLOT_CAPTIONS)
    assert regenerate(tmp_path, interval_ns=50_000).read_bytes() == first


def test_regenerate_names_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"orders\.parquet"):
        regenerate(tmp_path)


def test_fault_windows_are_shaded_and_listed(
    tmp_path: Path, random_orders: pl.DataFrame, summary: dict[str, Any]
) -> None:
    start = int(random_orders.get_column("ts_sent_ns").drop_nulls().min())  # type: ignore[arg-type]
    faulted = {**summary, "faults": [{"kind": "pause", "subject": "matching",
                                      "start_ns": start, "end_ns": start + 50_000}]}
    first = _write(tmp_path / "a", random_orders, faulted)
    second = _write(tmp_path / "b", random_orders, faulted)
    plain = _write(tmp_path / "c", random_orders, summary)
    by_name = {p.name: p for p in plain}
    for one, two in zip(first, second, strict=True):
        assert one.read_bytes() == two.read_bytes(), one.name
    assert (tmp_path / "a/plots/throughput.png").read_bytes() != by_name[
        "throughput.png"].read_bytes()
    page = render_html(tmp_path / "a", faulted, first).read_text()
    assert '<table id="faults">' in page
