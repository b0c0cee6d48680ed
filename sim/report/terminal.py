"""What ``sim run`` prints after a run: the figures to read before opening the report.

Plain text, no colour, fixed-width columns: the latency table and order outcomes (as
``sim run`` printed them before), utilisation per stage, the faults and failover when
the run had them (times as seconds from the run's start, never epoch ns), then the
digest, the run folder and the report's path. Built from ``summary.json`` alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.report.html_context import offset_text
from sim.report.plot_data import run_span
from sim.units import format_ns

LATENCY_KEYS = ("p50", "p90", "p99", "p99_9", "max")


def latency_lines(summary: Mapping[str, Any]) -> list[str]:
    """The latency table and the order outcome lines (segments without samples left out)."""
    header = f"{'segment':<26}{'count':>9}{'p50':>10}{'p90':>10}{'p99':>10}{'p99.9':>10}{'max':>10}"
    lines = [header, "-" * len(header)]
    for name, stats in summary["latency_ns"].items():
        if not stats.get("count"):
            continue
        cells = "".join(f"{format_ns(stats[key]):>10}" for key in LATENCY_KEYS)
        lines.append(f"{name:<26}{stats['count']:>9}{cells}")
    orders = summary["orders"]
    outcomes = ", ".join(f"{k} {v}" for k, v in orders["by_outcome"].items())
    lines.append("")
    lines.append(f"orders submitted {orders['submitted']}: {outcomes}; lost {orders['lost']}")
    lines.append(f"fill rate {orders['fill_rate']:.2%}, reject rate {orders['reject_rate']:.2%}")
    if orders["rejects_by_reason"]:
        reasons = ", ".join(f"{k} {v}" for k, v in orders["rejects_by_reason"].items())
        lines.append(f"rejects by reason: {reasons}")
    return lines


def utilisation_line(summary: Mapping[str, Any]) -> str | None:
    """``utilisation: gateway 4.0% (2 workers), risk 3.0%, ...``: busy / (workers x span)."""
    start, end = run_span(summary)
    parts = []
    for name, figures in (summary.get("components") or {}).items():
        busy, workers = figures.get("busy_ns"), figures.get("workers")
        if not isinstance(busy, int) or not isinstance(workers, int) or "served" not in figures:
            continue
        share = busy / (max(workers, 1) * (end - start))
        parts.append(f"{name} {share:.1%}" + (f" ({workers} workers)" if workers > 1 else ""))
    return f"utilisation: {', '.join(parts)}" if parts else None


def fault_lines(summary: Mapping[str, Any]) -> list[str]:
    """One line per fault window: kind, subject, start (from the run's start), length."""
    origin = run_span(summary)[0]
    return [
        f"fault {fault['kind']} {fault['subject']}: from {offset_text(fault['start_ns'], origin)}"
        f" for {format_ns(int(fault['end_ns']) - int(fault['start_ns']))}"
        for fault in summary.get("faults") or []
    ]


def failover_lines(summary: Mapping[str, Any]) -> list[str]:
    """Per failed-over target: detection, outage, recovery, messages, orders held, their cost."""
    lines = []
    for target, figures in (summary.get("failover") or {}).items():
        recovery = figures.get("recovery", {})
        held = figures.get("outage_delay_ns", {})
        inside = figures.get("end_to_end_ns", {}).get("sent_inside", {})
        outside = figures.get("end_to_end_ns", {}).get("sent_outside", {})

        def duration(value: object) -> str:
            return format_ns(value) if isinstance(value, int | float) else "-"

        lines += [
            f"failover {target}: detected after {duration(figures.get('detection_ns'))}, "
            f"outage {duration(figures.get('outage', {}).get('duration_ns'))} (snapshot load "
            f"{duration(recovery.get('snapshot_load_ns'))}, "
            f"{recovery.get('wal_records_replayed', 0):,} WAL records replayed in "
            f"{duration(recovery.get('replay_ns'))}, redirect "
            f"{duration(recovery.get('redirect_ns'))})",
            f"  messages lost {figures.get('messages_lost', 0):,}, retransmitted "
            f"{figures.get('retransmits', 0):,}; orders delayed "
            f"{figures.get('orders_delayed', 0):,} (extra latency p99 "
            f"{duration(held.get('p99'))}, max {duration(held.get('max'))}); orders lost "
            f"{figures.get('lost', 0)}",
            f"  end to end p99: {duration(inside.get('p99'))} for the "
            f"{inside.get('count', 0):,} requests sent in the outage, "
            f"{duration(outside.get('p99'))} outside it",
        ]
    return lines


def render_run_summary(summary: dict[str, Any], run_dir: Path) -> str:
    """The text ``sim run`` prints: latency, orders, utilisation, faults, failover, paths.

    Replaces both lines ``sim run`` printed before (``render_summary_table`` and the
    ``digest ... wrote ...`` line); the report's path is named when the run wrote one.
    """
    lines = latency_lines(summary)
    utilisation = utilisation_line(summary)
    extra = [*([utilisation] if utilisation else []), *fault_lines(summary),
             *failover_lines(summary)]
    if extra:
        lines += ["", *extra]
    lines += ["", f"digest {summary['digest'][:16]}  wrote {run_dir}"]
    report = Path(run_dir) / "report.html"
    if report.is_file():
        lines.append(f"report {report}")
    return "\n".join(lines)
