"""Two runs side by side: every headline figure's change, and regression checks.

:func:`diff_summaries` lists each headline figure of either ``summary.json`` (the
order figures, outcomes, rejects by reason, each latency segment's statistics and
throughput) with its absolute and relative change. :func:`check_regressions` turns
a baseline run into a budget: each latency ``mean``/``p50``/``p90``/``p99``/``p99_9``
may grow by at most the :class:`Tolerance` (a fraction of the baseline plus a
duration), the fill rate may fall by at most its fraction, and no more orders may be
lost than in the baseline. ``max`` and ``count`` are reported by the diff but not
checked: one order decides the maximum, and counts move with the load, not with speed.

Both take glob patterns (``--metrics``) that keep only the figures they match. A
comparison only means something on the same input data: :func:`input_difference`
names the first input file whose fingerprint differs from the baseline's.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from sim.errors import SimError
from sim.report.budget import BudgetResult, format_value, judge, metric_value

CHECKED_LATENCY_STATS: Final[tuple[str, ...]] = ("mean", "p50", "p90", "p99", "p99_9")
LATENCY_STAT_ORDER: Final[tuple[str, ...]] = ("count", *CHECKED_LATENCY_STATS, "max")


class BaselineError(SimError):
    """A baseline comparison that would mislead: different inputs, a pattern matching nothing."""


@dataclass(frozen=True)
class Tolerance:
    """Allowed worsening against a baseline.

    A latency figure may reach ``baseline * (1 + relative) + absolute_ns``; the fill
    rate may fall to ``baseline * (1 - relative)`` (a duration says nothing about a
    fraction, so with only an absolute tolerance the fill rate may not fall).
    """

    relative: float = 0.0
    absolute_ns: int = 0


def matches(metric: str, patterns: Sequence[str]) -> bool:
    """``True`` when ``metric`` matches one of the glob ``patterns`` (or there are none)."""
    return not patterns or any(fnmatch.fnmatchcase(metric, pattern) for pattern in patterns)


def check_patterns(patterns: Sequence[str], metrics: Sequence[str]) -> None:
    """Raise :class:`BaselineError` for a pattern that matches none of ``metrics``.

    A misspelt ``--metrics`` would otherwise drop every check silently and pass.
    """
    from sim.report.budget_names import closest

    for pattern in patterns:
        if not any(fnmatch.fnmatchcase(metric, pattern) for metric in metrics):
            raise BaselineError(
                f"--metrics {pattern!r} matches no figure of the comparison; "
                f"{closest(pattern, list(metrics))}patterns are globs such as 'gateway.*' "
                "or '*.p99' (see `sim diff` for the names)"
            )


def input_difference(baseline: Mapping[str, Any], inputs: Sequence[Mapping[str, Any]]
                     ) -> str | None:
    """What differs between the baseline's recorded inputs and ``inputs``, or ``None``.

    Inputs are matched by source name; the message names the files and their fingerprints.
    """
    before = {entry.get("name"): entry for entry in baseline.get("input", [])}
    now = {entry.get("name"): entry for entry in inputs}
    for name, entry in now.items():
        old = before.get(name)
        if old is None:
            return f"input {name!r} ({entry.get('file')}) is not in the baseline"
        if old.get("fingerprint") != entry.get("fingerprint"):
            return (f"input {name!r} differs: the baseline read {old.get('file')} (fingerprint "
                    f"{str(old.get('fingerprint'))[:12]}), this run reads {entry.get('file')} "
                    f"(fingerprint {str(entry.get('fingerprint'))[:12]})")
    missing = sorted(str(name) for name in before if name not in now)
    if missing:
        return f"the baseline also read input {missing[0]!r} ({before[missing[0]].get('file')})"
    return None


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


def diff_summaries(a: Mapping[str, Any], b: Mapping[str, Any],
                   metrics: Sequence[str] = ()) -> list[DiffRow]:
    """Every headline figure of runs ``a`` and ``b`` (those ``metrics`` globs match, if any)."""
    rows = []
    for metric, unit in _headline_metrics(a, b):
        if not matches(metric, metrics):
            continue
        first, second = metric_value(a, metric), metric_value(b, metric)
        if first is None and second is None:
            continue
        change = None if first is None or second is None else second - first
        relative = None if change is None or not first else change / abs(first)
        rows.append(DiffRow(metric, first, second, change, relative, unit))
    return rows


def check_regressions(
    baseline: Mapping[str, Any], current: Mapping[str, Any], tolerance: float | Tolerance,
    metrics: Sequence[str] = (),
) -> list[BudgetResult]:
    """Checks that fail where ``current`` is slower, fills less or loses more than ``baseline``.

    Args:
        baseline: the reference run's ``summary.json`` content.
        current: the run under test.
        tolerance: allowed worsening; a plain number is a fraction (``0.05`` = 5 %).
        metrics: glob patterns; when given, only the figures they match are checked.

    Returns:
        One result per checked figure the baseline has; a figure the current run
        lacks fails.
    """
    allowed = tolerance if isinstance(tolerance, Tolerance) else Tolerance(relative=tolerance)
    checks = [(f"{segment}.{stat}", "<=", "ns") for segment in baseline.get("latency_ns", {})
              for stat in CHECKED_LATENCY_STATS]
    checks += [("fill_rate", ">=", ""), ("lost", "<=", "")]
    results = []
    for metric, op, unit in checks:
        reference = metric_value(baseline, metric)
        if reference is None or not matches(metric, metrics):
            continue
        if unit == "ns":
            limit = reference * (1 + allowed.relative) + allowed.absolute_ns
        elif metric == "fill_rate":
            limit = reference * (1 - allowed.relative)
        else:
            limit = reference
        result = judge(metric, op, limit, metric_value(current, metric), unit)
        results.append(_with_note(result, reference))
    return results


def regression_metrics(baseline: Mapping[str, Any]) -> list[str]:
    """Every figure :func:`check_regressions` would check against ``baseline``."""
    return [result.metric for result in check_regressions(baseline, baseline, Tolerance())]


def _with_note(result: BudgetResult, reference: float) -> BudgetResult:
    """Attach ``baseline X, change +Y%`` to a regression result."""
    if result.actual is None:
        return result
    change = "" if not reference else f", change {(result.actual - reference) / reference:+.1%}"
    return replace(result, note=f"baseline {format_value(reference, result.unit)}{change}")
