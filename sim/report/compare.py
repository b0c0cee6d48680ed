"""Two runs side by side: every headline figure's change, and regression checks.

:func:`diff_summaries` lists each headline figure of either ``summary.json`` (the
order figures, outcomes, rejects by reason, each latency segment's statistics and
throughput) with its absolute and relative change. :func:`check_regressions` turns
a baseline run into a budget: each latency ``mean``/``p50``/``p90``/``p99``/``p99_9``
may grow by at most ``tolerance`` (a fraction: ``0.05`` is 5 %), the fill rate may
fall by at most ``tolerance``, and no more orders may be lost than in the baseline.
``max`` and ``count`` are reported by the diff but not checked: one order decides
the maximum, and counts move with the load, not with speed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

from sim.report.budget import BudgetResult, format_value, judge, metric_value

CHECKED_LATENCY_STATS: Final[tuple[str, ...]] = ("mean", "p50", "p90", "p99", "p99_9")
LATENCY_STAT_ORDER: Final[tuple[str, ...]] = ("count", *CHECKED_LATENCY_STATS, "max")


@dataclass(frozen=True)
class DiffRow:
    """One figure in two runs; changes are ``None`` when either side lacks it.

    ``rel_change`` is ``(b - a) / |a|``, ``None`` when ``a`` is zero; ``unit`` is
    ``"ns"`` for latencies, else ``""``.
    """

    metric: str
    a: float | None
    b: float | None
    abs_change: float | None
    rel_change: float | None
    unit: str = ""


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _headline_metrics(a: Mapping[str, Any], b: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every headline metric name in either summary, with its unit, in report order."""
    for name in ("submitted", "fill_rate", "reject_rate", "lost"):
        yield name, ""
    for section, prefix in (("by_outcome", "outcome"), ("rejects_by_reason", "rejects")):
        keys = set(a.get("orders", {}).get(section, {})) | set(b.get("orders", {}).get(section, {}))
        for key in sorted(keys):
            yield f"{prefix}.{key}", ""
    segments = list(a.get("latency_ns", {}))
    segments += [name for name in b.get("latency_ns", {}) if name not in segments]
    for segment in segments:
        for stat in LATENCY_STAT_ORDER:
            yield f"{segment}.{stat}", "" if stat == "count" else "ns"
    keys = set(a.get("throughput", {})) | set(b.get("throughput", {}))
    for key in sorted(keys):
        yield f"throughput.{key}", ""


def diff_summaries(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[DiffRow]:
    """Every headline figure of runs ``a`` and ``b`` with its change from ``a`` to ``b``."""
    rows = []
    for metric, unit in _headline_metrics(a, b):
        first, second = metric_value(a, metric), metric_value(b, metric)
        if first is None and second is None:
            continue
        change = None if first is None or second is None else second - first
        relative = None if change is None or not first else change / abs(first)
        rows.append(DiffRow(metric, first, second, change, relative, unit))
    return rows


def check_regressions(
    baseline: Mapping[str, Any], current: Mapping[str, Any], tolerance: float
) -> list[BudgetResult]:
    """Checks that fail where ``current`` is slower, fills less or loses more than ``baseline``.

    Args:
        baseline: the reference run's ``summary.json`` content.
        current: the run under test.
        tolerance: allowed relative worsening, a fraction (``0.05`` = 5 %).

    Returns:
        One result per checked figure the baseline has; a figure the current run
        lacks fails.
    """
    results = []
    for segment in baseline.get("latency_ns", {}):
        for stat in CHECKED_LATENCY_STATS:
            metric = f"{segment}.{stat}"
            reference = metric_value(baseline, metric)
            if reference is None:
                continue
            actual = metric_value(current, metric)
            result = judge(metric, "<=", reference * (1 + tolerance), actual, "ns")
            results.append(_with_note(result, reference))
    fill_rate = metric_value(baseline, "fill_rate")
    if fill_rate is not None:
        actual = metric_value(current, "fill_rate")
        result = judge("fill_rate", ">=", fill_rate * (1 - tolerance), actual, "")
        results.append(_with_note(result, fill_rate))
    lost = metric_value(baseline, "lost")
    if lost is not None:
        results.append(
            _with_note(judge("lost", "<=", lost, metric_value(current, "lost"), ""), lost)
        )
    return results


def _with_note(result: BudgetResult, reference: float) -> BudgetResult:
    """Attach ``baseline X, change +Y%`` to a regression result."""
    if result.actual is None:
        return result
    change = "" if not reference else f", change {(result.actual - reference) / reference:+.1%}"
    return replace(result, note=f"baseline {format_value(reference, result.unit)}{change}")
