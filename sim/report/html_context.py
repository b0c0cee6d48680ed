"""The parts of ``report.html`` that make it stand on its own: verdicts, setup, components.

A report sent to someone who has neither the repository nor the command line that
made it still says what was run: the budget verdicts when it came from ``sim check``,
the resolved scenario (collapsible), the ``--set`` overrides, the input files with
their fingerprints, and every component's counters with human units (links with
their mean and maximum delay and p99). Times are shown as offsets from the run's
start, never as epoch nanoseconds. Also the small HTML helpers both report modules use.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from sim.report.failover import FAILOVER_PREFIX
from sim.report.plot_data import run_span
from sim.units import format_ns

if TYPE_CHECKING:
    from sim.report.budget import BudgetResult


def escape(value: object) -> str:
    """HTML-escaped text of ``value`` (quotes too)."""
    return html.escape(str(value), quote=True)


def table(header: Sequence[str], rows: Iterable[Sequence[object]], table_id: str) -> str:
    """A ``<table>`` with escaped cells."""
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def number(value: object) -> str:
    """A count or figure with thousands separators; ``-`` for None."""
    if isinstance(value, float):
        return f"{value:,.6g}" if not value.is_integer() else f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    return "-" if value is None else str(value)


def offset_text(stamp_ns: int, origin_ns: int) -> str:
    """An absolute simulated stamp as exact seconds from the run's start: ``4.500032256 s``."""
    offset = int(stamp_ns) - int(origin_ns)
    seconds, rest = divmod(abs(offset), 1_000_000_000)
    return f"{'-' if offset < 0 else ''}{seconds}.{rest:09d} s"


def verdicts_section(verdicts: Sequence[BudgetResult]) -> str:
    """The budget verdicts of ``sim check``, first on the page (nothing without them)."""
    if not verdicts:
        return ""
    from sim.report.budget_values import format_margin, format_pair

    def shown(result: BudgetResult) -> tuple[str, str]:
        if result.actual is None:
            return "missing", format_pair(result.limit, result.limit, result.unit)[1]
        return format_pair(result.actual, result.limit, result.unit)

    failed = sum(not result.passed for result in verdicts)
    rows = [
        ("PASS" if result.passed else "FAIL", result.metric, shown(result)[0],
         f"{result.operator} {shown(result)[1]}",
         "-" if result.margin is None else format_margin(result.margin, result.unit),
         result.note)
        for result in verdicts
    ]
    return (f"<h2>Budget</h2><p>{len(verdicts) - failed} passed, {failed} failed "
            "(<code>sim check</code>; margin: headroom left, negative when over).</p>"
            + table(["verdict", "check", "value", "limit", "margin", "note"], rows, "budget"))


def setup_section(summary: Mapping[str, Any]) -> str:
    """Inputs, ``--set`` overrides and the resolved scenario (collapsed)."""
    inputs = summary.get("input", []) or []
    rows = [
        (item.get("name", "-"), item.get("file", "-"), number(item.get("rows")),
         ", ".join(item.get("symbols", []) or []), item.get("fingerprint", "-"))
        for item in inputs
    ]
    text = "<h2>What was run</h2><h3>Input files</h3>"
    text += (table(["source", "file", "rows", "symbols", "SHA-256 fingerprint"],
                   rows, "inputs") if rows else "<p>No input files recorded.</p>")
    overrides = summary.get("overrides")
    text += "<h3>Overrides</h3>"
    if overrides is None:
        text += "<p>Not recorded in this run's summary.json.</p>"
    elif overrides:
        text += "<ul>" + "".join(f"<li><code>--set {escape(o)}</code></li>"
                                 for o in overrides) + "</ul>"
    else:
        text += "<p>None: the scenario file as written.</p>"
    scenario = json.dumps(summary.get("scenario", {}), indent=2, sort_keys=False)
    text += ('<details id="scenario"><summary>Resolved scenario (after <code>extends</code> '
             "and overrides; integer ns, price units)</summary>"
             f"<pre>{escape(scenario)}</pre></details>")
    return text


STAGE_KEYS: Final[tuple[str, ...]] = ("workers", "arrivals", "served", "rejected",
                                      "max_queue_depth")


def _utilisation(figures: Mapping[str, Any], span_ns: int) -> str:
    busy, workers = figures.get("busy_ns"), figures.get("workers", 1)
    if not isinstance(busy, int) or not isinstance(workers, int) or span_ns <= 0:
        return "-"
    return f"{busy / (max(workers, 1) * span_ns):.1%}"


def _link_row(name: str, figures: Mapping[str, Any], latency: Mapping[str, Any]) -> list[str]:
    messages = figures.get("messages")
    total = figures.get("delay_ns_total")
    mean = (format_ns(total / messages) if isinstance(total, int) and isinstance(messages, int)
            and messages else "-")
    stats = latency.get(name, {}) or {}
    p99 = stats.get("p99")
    most = figures.get("max_delay_ns")
    return [name.removeprefix("link."), number(messages), number(figures.get("scheduled")), mean,
            format_ns(p99) if isinstance(p99, int | float) else "-",
            format_ns(most) if isinstance(most, int) else "-",
            number(figures.get("retransmits", 0))]


def _counter_text(key: str, value: object, origin_ns: int) -> str:
    if key.endswith("_at_ns") and isinstance(value, int):
        return f"{key.removesuffix('_ns')} +{offset_text(value, origin_ns)}"
    if key.endswith("_ns") and isinstance(value, int | float):
        return f"{key.removesuffix('_ns')} {format_ns(value)}"
    return f"{key} {number(value)}"


def components_section(summary: Mapping[str, Any]) -> str:
    """Stages (with utilisation), links (delays per message), then every other counter."""
    components = summary.get("components", {}) or {}
    if not components:
        return ""
    origin, end = run_span(summary)
    latency = summary.get("latency_ns", {}) or {}
    stages, links, others = [], [], []
    for name, figures in components.items():
        if name.startswith(FAILOVER_PREFIX):
            continue  # shown in the Failover table
        if name.startswith("link."):
            links.append(_link_row(name, figures, latency))
        elif "served" in figures and "busy_ns" in figures:
            stages.append([name, *(number(figures.get(k)) for k in STAGE_KEYS),
                           format_ns(figures["busy_ns"]), _utilisation(figures, end - origin)])
        else:
            others.append([name, "; ".join(_counter_text(k, v, origin)
                                           for k, v in figures.items())])
    text = "<h2>Components</h2>"
    if stages:
        text += table(["stage", *STAGE_KEYS, "busy", "utilisation"], stages, "components")
    if links:
        text += ("<h3>Links</h3><p>Delay per message (scheduled: sent through the link's "
                 "FIFO); p99 as in the latency table.</p>"
                 + table(["link", "messages", "scheduled", "mean delay", "p99", "max delay",
                          "retransmits"], links, "links"))
    if others:
        text += "<h3>Other counters</h3>" + table(["component", "counters"], others, "counters")
    return text
