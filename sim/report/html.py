"""The self-contained ``report.html`` of a run, and ``sim report RUN_DIR``.

One file, readable offline on a laptop: inline CSS, every plot embedded as a
``data:image/png;base64`` URI, no script and no external reference. Order: the budget
verdicts (when built by ``sim check``: :func:`regenerate` ``verdicts=``), what was run
(input files, ``--set`` overrides, the resolved scenario collapsed), headline latency
table (end to end, stages, links; human units), order figures and rejects by reason,
each strategy's figures and P&L plot (with ``[[strategies]]``), throughput and
components (stages with utilisation, links with their delays), faults, the failover
table (only when the run had a failover), each plot with its caption (a zoom per fault
window among them), then the tail attribution table. Times are seconds from the run's
start (its UTC time in the header); no epoch-scale number appears. The same inputs
give the same bytes.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from sim.core.resend_backoff import ResendBackoff
from sim.report.attribution import as_polars, tail_attribution
from sim.report.html_context import (
    components_section,
    offset_text,
    setup_section,
    verdicts_section,
)
from sim.report.html_context import escape as _e
from sim.report.html_context import number as _number
from sim.report.html_context import table as _table
from sim.report.plot_data import run_span, utc_text
from sim.report.plots import plot_caption, write_plots
from sim.report.run_folder import read_summary
from sim.report.strategy_report import plot_strategy, strategy_figures, strategy_ledgers
from sim.report.summary import SEGMENTS
from sim.report.summary_shape import check_summary
from sim.report.timeline import COMPONENTS, ReportError, build_timeline, default_interval_ns
from sim.units import format_ns

if TYPE_CHECKING:
    from sim.report.budget import BudgetResult

LATENCY_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("p50", "p50"),
    ("p90", "p90"),
    ("p99", "p99"),
    ("p99_9", "p99.9"),
    ("max", "max"),
    ("mean", "mean"),
)

_CSS: Final[str] = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
     border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f4f4f4; }
figure { margin: 1rem 0 2rem; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: #555; }
.meta { color: #666; font-size: 0.85rem; }
#counters td, #inputs td { text-align: left; } details pre { font-size: 0.8rem; }
"""


def _latency_section(summary: Mapping[str, Any]) -> str:
    rows = []
    for segment, stats in summary.get("latency_ns", {}).items():
        cells = [
            format_ns(stats[key]) if isinstance(stats.get(key), int | float) else "-"
            for key, _ in LATENCY_COLUMNS
        ]
        rows.append([segment, _number(stats.get("count", 0)), *cells])
    header = ["segment", "count", *(label for _, label in LATENCY_COLUMNS)]
    return "<h2>Latency</h2>" + _table(header, rows, "headline-latency")


def _orders_section(summary: Mapping[str, Any]) -> str:
    orders = summary.get("orders", {})
    figures = [
        ("submitted", _number(orders.get("submitted"))),
        ("fill rate", f"{orders.get('fill_rate', 0.0):.2%}"),
        ("reject rate", f"{orders.get('reject_rate', 0.0):.2%}"),
        ("lost", _number(orders.get("lost"))),
    ]
    figures += [(f"outcome: {k}", _number(v)) for k, v in orders.get("by_outcome", {}).items()]
    reasons = sorted(orders.get("rejects_by_reason", {}).items())
    text = "<h2>Orders</h2>" + _table(["figure", "value"], figures, "headline-orders")
    text += "<h3>Rejects by reason</h3>"
    if reasons:
        text += _table(["reason", "rejects"], [(k, _number(v)) for k, v in reasons], "rejects")
    else:
        text += "<p>No rejects.</p>"
    return text


def _load_section(summary: Mapping[str, Any]) -> str:
    throughput = summary.get("throughput", {})
    rows = [(key, format_ns(value) if key.endswith("_ns") and isinstance(value, int)
             else _number(value)) for key, value in throughput.items()]
    return ("<h2>Throughput</h2>" + _table(["figure", "value"], rows, "throughput")
            + components_section(summary))


def _faults_section(summary: Mapping[str, Any]) -> str:
    faults = summary.get("faults", [])
    if not faults:
        return ""
    origin = run_span(summary)[0]
    rows = [
        (fault["kind"], fault["subject"], offset_text(fault["start_ns"], origin),
         offset_text(fault["end_ns"], origin),
         format_ns(int(fault["end_ns"]) - int(fault["start_ns"])))
        for fault in faults
    ]
    header = ["fault", "target", "start (from run start)", "end", "duration"]
    return "<h2>Faults</h2>" + _table(header, rows, "faults")


FAILOVER_ROWS: Final[tuple[tuple[str, tuple[str, ...], str], ...]] = (
    ("detection time", ("detection_ns",), "ns"),
    ("outage start (from run start)", ("outage", "start_ns"), "at"),
    ("outage end", ("outage", "end_ns"), "at"),
    ("outage", ("outage", "duration_ns"), "ns"),
    ("snapshot taken before the failure", ("snapshot_age_ns",), "ns"),
    ("snapshot load", ("recovery", "snapshot_load_ns"), "ns"),
    ("WAL records replayed", ("recovery", "wal_records_replayed"), ""),
    ("WAL replay", ("recovery", "replay_ns"), "ns"),
    ("redirect", ("recovery", "redirect_ns"), "ns"),
    ("messages lost", ("messages_lost",), ""),
    ("messages retransmitted", ("retransmits",), ""),
    ("most resends of one message", ("resends", "max_per_message"), ""),
    ("resend timer", ("resend_timer",), ""),
    ("orders delayed", ("orders_delayed",), ""),
    ("extra latency of delayed orders: mean", ("outage_delay_ns", "mean"), "ns"),
    ("extra latency of delayed orders: p50", ("outage_delay_ns", "p50"), "ns"),
    ("extra latency of delayed orders: p99", ("outage_delay_ns", "p99"), "ns"),
    ("extra latency of delayed orders: max", ("outage_delay_ns", "max"), "ns"),
    ("requests sent in the outage", ("end_to_end_ns", "sent_inside", "count"), ""),
    ("end to end p99, sent in the outage", ("end_to_end_ns", "sent_inside", "p99"), "ns"),
    ("requests sent outside it", ("end_to_end_ns", "sent_outside", "count"), ""),
    ("end to end p99, sent outside it", ("end_to_end_ns", "sent_outside", "p99"), "ns"),
    ("orders lost", ("lost",), ""),
)
"""Rows of the Failover table: label, key path in ``summary["failover"][target]``, unit
(``ns``: a duration; ``at``: a stamp, shown as seconds from the run's start).

``snapshot_age_ns`` (outage start minus ``recovery.snapshot_at_ns``) and ``resend_timer``
(``2ms x2 up to 100ms``, from ``resends.schedule``) are derived here.
"""


def _resend_timer(figures: Mapping[str, Any]) -> str | None:
    resends = figures.get("resends")
    schedule = resends.get("schedule") if isinstance(resends, Mapping) else None
    if not isinstance(schedule, Mapping):
        return None
    first, factor, cap = (schedule.get(key) for key in ("timeout_ns", "backoff", "max_timeout_ns"))
    if not (isinstance(first, int) and isinstance(factor, int) and isinstance(cap, int)):
        return None
    return ResendBackoff(first, factor, cap).describe()


def _with_snapshot_age(figures: Mapping[str, Any]) -> dict[str, Any]:
    start = figures.get("outage", {}).get("start_ns")
    taken = figures.get("recovery", {}).get("snapshot_at_ns")
    age = start - taken if isinstance(start, int) and isinstance(taken, int) else None
    return {**figures, "snapshot_age_ns": age, "resend_timer": _resend_timer(figures)}


def _lookup(figures: Mapping[str, Any], path: tuple[str, ...], unit: str, origin: int) -> str:
    value: Any = figures
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    if unit == "at" and isinstance(value, int) and not isinstance(value, bool):
        return offset_text(value, origin)
    if unit == "ns" and isinstance(value, int | float) and not isinstance(value, bool):
        return format_ns(value)
    return _number(value)


def _failover_section(summary: Mapping[str, Any]) -> str:
    failover = summary.get("failover", {})
    if not failover:
        return ""
    targets = list(failover)
    figures = {target: _with_snapshot_age(failover[target]) for target in targets}
    origin = run_span(summary)[0]
    rows = [
        [label, *(_lookup(figures[target], path, unit, origin) for target in targets)]
        for label, path, unit in FAILOVER_ROWS
    ]
    return (
        "<h2>Failover</h2><p>The outage window runs from the primary's failure until senders "
        "are redirected to the promoted standby; a delayed order's extra latency runs from "
        "its first loss to its arrival at the promoted engine.</p>"
        + _table(["figure", *targets], rows, "failover")
    )


def _embed(path: Path, caption: str) -> str:
    """A PNG as an inline ``<figure>`` (the report references no file)."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<figure id="{_e(path.stem)}"><img alt="{_e(path.stem)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{_e(caption)}</figcaption></figure>')


def _plots_section(plots: Sequence[Path], summary: Mapping[str, Any]) -> str:
    parts = ["<h2>Plots</h2>"]
    parts.extend(_embed(path, plot_caption(path.name, summary)) for path in plots)
    return "".join(parts)


def _strategies_section(run_dir: Path, orders: pa.Table, summary: Mapping[str, Any]) -> str:
    """Per strategy: its figures and its P&L and position plot (nothing without strategies)."""
    ledgers = strategy_ledgers(run_dir)
    if not ledgers:
        return ""
    frame = as_polars(orders)
    scale = int(summary.get("scenario", {}).get("price_scale", 10_000))
    parts = ["<h2>Strategies</h2><p>Money in currency (price units / price_scale); P&amp;L "
             "marked to the venue's mid. Rows of each fill: "
             "<code>strategy_&lt;name&gt;.parquet</code>.</p>"]
    for name, ledger in ledgers.items():
        figures = strategy_figures(name, ledger, frame, summary)
        parts.append(f"<h3>{_e(name)}</h3>"
                     + _table(["figure", "value"], figures, f"strategy-{name}"))
        path = plot_strategy(run_dir, name, ledger, scale, int(summary.get("sim_start_ns", 0)))
        parts.append(_embed(path, f"Strategy {name}: net P&L after each fill (top) and its "
                                  "position (bottom)."))
    return "".join(parts)


def _attribution_section(attribution: pa.Table | None) -> str:
    if attribution is None:
        return ""
    rows = [
        (row["component"], _number(row["orders"]), f"{row['share']:.1%}", format_ns(row["mean_ns"]))
        for row in attribution.to_pylist()
    ]
    header = ["held by", "tail orders", "share", "mean time held"]
    return (
        "<h2>Tail attribution</h2><p>The slowest 1% of orders by end to end, charged to the "
        "fault or failover that held them when one did, else to the link or stage that took "
        "most of their time.</p>" + _table(header, rows, "tail")
    )


def _write_text(path: Path, text: str) -> Path:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path


def render_html(
    run_dir: Path,
    summary: Mapping[str, Any],
    plots: Sequence[Path] = (),
    attribution: pa.Table | None = None,
    strategies: str = "",
    verdicts: Sequence[BudgetResult] = (),
) -> Path:
    """Write ``run_dir/report.html`` and return its path.

    Args:
        run_dir: the run folder.
        summary: the run's ``summary.json`` content (``overrides``, a list of the
            ``--set`` strings, is shown when present).
        plots: PNG files to embed, in display order (as :func:`write_plots` returns).
        attribution: the table :func:`sim.report.attribution.tail_attribution` returns.
        strategies: the strategy section's HTML (empty without strategies).
        verdicts: ``sim check``'s :class:`~sim.report.budget.BudgetResult` list, shown
            first (empty: no Budget section).
    """
    name = summary.get("scenario_name", Path(run_dir).name)
    digest = summary.get("digest", "")
    start_ns, end_ns = run_span(summary)
    meta = (f"digest {digest} · run id {summary.get('run_id', '-')} · started "
            f"{utc_text(start_ns)} (time 0 on every axis) · simulated "
            f"{format_ns(end_ns - start_ns)}")
    document = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>ticktwin report: {_e(name)}</title><style>{_CSS}</style></head><body>"
        f'<h1>ticktwin report: {_e(name)}</h1><p class="meta">{_e(meta)}</p>'
        + verdicts_section(verdicts)
        + setup_section(summary)
        + _latency_section(summary)
        + _orders_section(summary)
        + strategies
        + _load_section(summary)
        + _faults_section(summary)
        + _failover_section(summary)
        + _plots_section(plots, summary)
        + _attribution_section(attribution)
        + "</body></html>\n"
    )
    return _write_text(Path(run_dir) / "report.html", document)


REPORT_COLUMNS: Final[tuple[str, ...]] = (
    *dict.fromkeys(stamp for pair in SEGMENTS.values() for stamp in pair),
    *(f"ts_{component}_start_ns" for component in COMPONENTS),
    "action", "outcome", "reject_stage", "filled_qty",
)
"""Columns of ``orders.parquet`` the report reads (stamps first; all stamps integers)."""


def _read_orders(path: Path) -> pa.Table:
    """The orders table, or a one-line error naming the file when it is not readable."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReportError(f"{path}: not a readable Parquet file ({reason}); rerun the "
                          "scenario with `sim run` to rewrite it") from None
    for name in REPORT_COLUMNS:
        if name not in table.column_names:
            raise ReportError(f"{path}: column {name!r} missing; is it a ticktwin orders.parquet?")
        kind = table.schema.field(name).type
        if name.startswith("ts_") and not (pa.types.is_integer(kind) or pa.types.is_null(kind)):
            raise ReportError(f"{path}: column {name!r} should hold integer ns stamps, got {kind}")
    return table


def _read_run(run_dir: Path) -> tuple[pa.Table, dict[str, Any]]:
    orders_path = run_dir / "orders.parquet"
    if not orders_path.is_file():
        raise ReportError(f"{orders_path}: missing; is {run_dir} a run folder written by "
                          "`sim run`?")
    summary = read_summary(run_dir)
    check_summary(summary, str(run_dir / "summary.json"))
    return _read_orders(orders_path), summary


def regenerate(run_dir: Path, interval_ns: int | None = None, *,
               verdicts: Sequence[BudgetResult] = (), orders: pa.Table | None = None) -> Path:
    """Rebuild ``timeline.parquet``, ``plots/*.png`` and ``report.html`` of a run folder.

    ``sim check`` calls it after evaluating the budget, with ``verdicts`` (its
    :class:`~sim.report.budget.BudgetResult` list), so the report opens with them.

    The timeline interval is, in order: ``interval_ns``, the run's own
    ``report.timeline_interval`` (from the resolved scenario in ``summary.json``), or
    about 200 intervals over the run; so a rebuilt report matches the original.

    Args:
        run_dir: a folder holding ``orders.parquet`` and ``summary.json``.
        interval_ns: timeline interval overriding the run's own.
        verdicts: budget results to show first in the report (empty: none).
        orders: the run's orders table when the caller still holds it (``sim run``, right
            after writing it), so it is not read back into memory a second time.

    Returns:
        The path of ``report.html``.

    Raises:
        ReportError: a file is missing or unreadable, a summary key is missing or of the
            wrong type, a column is missing, or the interval needs too many buckets.
    """
    run_dir = Path(run_dir)
    if orders is None:
        orders, summary = _read_run(run_dir)
    else:
        summary = read_summary(run_dir)
        check_summary(summary, str(run_dir / "summary.json"))
    span_ns = summary["sim_end_ns"] - summary["sim_start_ns"]
    chosen = interval_ns or summary["scenario"]["report"]["timeline_interval"]
    interval = chosen or default_interval_ns(max(span_ns, 1))
    components = summary.get("components", {})
    workers = {name: int(figures.get("workers", 1)) for name, figures in components.items()}
    timeline = build_timeline(orders, interval, workers, explicit=chosen is not None,
                              source=str(run_dir / "orders.parquet"))
    temporary = run_dir / ".timeline.parquet.tmp"
    pq.write_table(timeline, temporary)
    os.replace(temporary, run_dir / "timeline.parquet")
    plots = write_plots(run_dir, orders, timeline, summary)
    faults = summary.get("faults", []) or []
    return render_html(run_dir, summary, plots,
                       tail_attribution(as_polars(orders), faults=faults),
                       _strategies_section(run_dir, orders, summary), verdicts=verdicts)
