"""Budgets: figures of ``summary.json`` with limits that CI enforces.

Syntax. A ``[budget]`` table, in a scenario or in a standalone TOML file, maps a
*metric* to a *check string* ``"<operator> <limit>"``::

    [budget]
    "end_to_end.p99" = "<= 480us"
    "gateway.p99_9" = "<= 1ms"
    "link.client_to_gateway.p50" = "<= 30us"
    fill_rate = ">= 0.2"
    reject_rate = "<= 0.01"
    lost = "== 0"
    "rejects.price_collar" = "<= 10"

Operators: ``<=``, ``<``, ``>=``, ``>``, ``==``. Metrics:

- ``<segment>.<stat>``: a latency figure; ``segment`` is a key of
  ``summary["latency_ns"]`` (``end_to_end``, ``gateway``, ``risk``, ``matching``,
  ``link.client_to_gateway``, ...), ``stat`` one of ``mean``, ``p50``, ``p90``,
  ``p99``, ``p99_9``, ``max`` (the limit is a duration such as ``480us``, parsed by
  :func:`sim.units.parse_duration_ns`) or ``count`` (a plain number);
- ``fill_rate``, ``reject_rate`` (fractions), ``submitted``, ``lost``;
- ``outcome.<name>`` and ``rejects.<reason>``: counts from ``summary["orders"]``;
- ``throughput.<key>``: a figure of ``summary["throughput"]``;
- ``failover_outage``, ``failover_detection``, ``failover_delayed_p99``: durations from
  ``summary["failover"]`` (outage length, time to detect the failure, p99 of the extra
  latency of delayed orders), the largest over the failed-over targets. A run without a
  failover has nothing to check them against: :func:`evaluate` raises
  :class:`BudgetError` naming the key.

Unquoted dotted keys (``end_to_end.p99 = "<= 480us"``) are nested tables in TOML;
they are flattened back to the same dotted metric. Every name is checked when the
budget is parsed, before any run: a segment, outcome, reject reason or throughput key
the summary schema does not have is a :class:`BudgetError` naming the file, line and
key, with the closest valid name suggested (``rejects.queue_ful`` -> ``rejects.queue_full``).
A known metric the summary lacks (a failover figure of a failover nothing was delayed
by) fails its check rather than passing.
"""

from __future__ import annotations

import math
import operator
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sim.errors import SimError, UnitError
from sim.report.budget_names import (
    FAILOVER_METRICS,
    LATENCY_STATS,
    ORDER_FIGURES,
    budget_key_lines,
    closest,
    metric_names,
    unknown_name,
)
from sim.report.budget_values import format_margin, format_pair, format_value
from sim.units import parse_duration_ns

__all__ = ["Budget", "BudgetError", "BudgetLine", "BudgetResult", "evaluate", "format_value",
           "judge", "load_budget", "metric_value", "parse_budget", "scenario_budget"]

OPERATORS: Final[dict[str, Callable[[float, float], bool]]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}
OFF: Final[str] = "off"
"""The check string that drops a budget line (one inherited through ``extends``)."""
_CHECK = re.compile(r"^\s*(<=|>=|==|<|>)\s*(\S.*?)\s*$")


class BudgetError(SimError):
    """A budget file or table is invalid; the message names the file, line and key."""


@dataclass(frozen=True)
class BudgetLine:
    """One check: ``metric operator limit``; ``unit`` is ``"ns"`` for durations, else ``""``."""

    metric: str
    operator: str
    limit: float
    unit: str
    text: str
    where: str = ""
    """Where the line was written (``file:line: key 'metric'``), for errors found later."""


@dataclass(frozen=True)
class Budget:
    """The checks of one budget table, in the order they were written."""

    source: str
    lines: tuple[BudgetLine, ...]


@dataclass(frozen=True)
class BudgetResult:
    """Outcome of one check.

    ``margin`` is the headroom left, in the metric's unit: positive when passing
    (``limit - actual`` for ``<``/``<=``, ``actual - limit`` for ``>``/``>=``,
    ``-abs(actual - limit)`` for ``==``); ``actual`` is ``None`` when the summary
    lacks the metric.
    """

    metric: str
    operator: str
    limit: float
    actual: float | None
    margin: float | None
    passed: bool
    unit: str = ""
    note: str = ""

    def describe(self) -> str:
        """One human line: ``end_to_end.p99 = 512us, limit <= 480us: FAIL (over by 32us)``."""
        if self.actual is None:
            limit = format_value(self.limit, self.unit)
            return f"{self.metric}: missing from the summary, limit {self.operator} {limit}: FAIL"
        verdict = "ok" if self.passed else "FAIL"
        margin = format_margin(abs(self.margin or 0.0), self.unit)
        side = "headroom" if self.passed else "off by"
        actual, limit = format_pair(self.actual, self.limit, self.unit)
        note = f"; {self.note}" if self.note else ""
        return (
            f"{self.metric} = {actual}, limit {self.operator} {limit}: "
            f"{verdict} ({side} {margin}{note})"
        )


def _flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat |= _flatten(value, f"{name}.")
        else:
            flat[name] = value
    return flat


def _metric_unit(metric: str) -> str | None:
    """``"ns"`` or ``""`` for a known metric shape; ``None`` when the name is not a metric."""
    if metric in ORDER_FIGURES:
        return ""
    if metric in FAILOVER_METRICS:
        return "ns"
    head, _, tail = metric.partition(".")
    if head in {"outcome", "rejects", "throughput"} and tail:
        return ""
    stat = metric.rsplit(".", 1)[-1]
    if "." in metric and stat in LATENCY_STATS:
        return "ns"
    if "." in metric and stat == "count":
        return ""
    return None


def _parse_line(metric: str, value: object, where: str) -> BudgetLine | None:
    """One validated check, or ``None`` for ``"off"`` (a known name, its inherited line dropped)."""
    unit = _metric_unit(metric)
    if unit is None:
        raise BudgetError(
            f"{where}: unknown budget metric {metric!r}; {closest(metric, metric_names())}"
            "use '<segment>.<stat>' "
            f"(stat one of {', '.join(sorted(LATENCY_STATS | {'count'}))}), "
            f"{', '.join(sorted(ORDER_FIGURES | FAILOVER_METRICS.keys()))}, "
            "'outcome.<name>', 'rejects.<reason>' or 'throughput.<key>'"
        )
    problem = unknown_name(metric)
    if problem is not None:
        raise BudgetError(f"{where}: {problem}")
    if value == OFF:
        return None
    match = _CHECK.match(value) if isinstance(value, str) else None
    if match is None:
        raise BudgetError(
            f"{where}: {metric} = {value!r} is not a check; write a string such as "
            f'"<= 480us" or ">= 0.2" (operators {", ".join(OPERATORS)}), or "off" to drop '
            "a line the scenario inherits"
        )
    op, limit_text = match.groups()
    try:
        limit = float(parse_duration_ns(limit_text)) if unit == "ns" else float(limit_text)
    except (UnitError, ValueError) as exc:
        kind = "a duration such as '480us'" if unit == "ns" else "a number such as '0.2'"
        raise BudgetError(
            f"{where}: {metric}: limit {limit_text!r} must be {kind} ({exc})"
        ) from None
    if not math.isfinite(limit):
        raise BudgetError(f"{where}: {metric}: limit {limit_text!r} must be finite")
    return BudgetLine(metric, op, limit, unit, str(value), where)


def parse_budget(
    mapping: Mapping[str, Any],
    source: str = "<budget>",
    locate: Callable[[str], int | None] | None = None,
) -> Budget:
    """Validate the contents of a ``[budget]`` table (see the module docstring).

    Args:
        mapping: the table, as TOML parses it (nested tables are flattened).
        source: file name (or other label) quoted in errors.
        locate: optional ``metric -> line number`` lookup for error messages.

    Raises:
        BudgetError: an unknown metric, a value that is not a check, or a bad limit;
            the message names ``source``, the line when known, and the key.
    """
    lines = []
    for metric, value in _flatten(mapping).items():
        line = locate(metric) if locate else None
        where = f"{source}:{line}" if line else source
        lines.append(_parse_line(metric, value, f"{where}: key {metric!r}"))
    return Budget(source=source, lines=tuple(line for line in lines if line is not None))


def _line_locator(text: str) -> Callable[[str], int | None]:
    """Find the line a (possibly dotted, possibly quoted) metric key is written on."""
    return budget_key_lines(text).get


def scenario_budget(table: Mapping[str, Any], scenario_path: Path | str) -> Budget:
    """Parse a scenario's resolved ``[budget]`` table, naming the file and line of each key.

    The key is looked up in the scenario file, then in the files it ``extends``; a key
    set only by ``--set`` is named without a line.
    """
    from sim.scenario.loader import extends_chain

    lines_by_file = []
    for path in extends_chain(scenario_path):
        try:
            lines_by_file.append((path, budget_key_lines(path.read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError):
            continue

    def where(metric: str) -> str:
        for path, lines in lines_by_file:
            if metric in lines:
                return f"{path}:{lines[metric]}: key {metric!r}"
        return f"{scenario_path} [budget]: key {metric!r}"

    lines = [_parse_line(metric, value, where(metric)) for metric, value in _flatten(table).items()]
    return Budget(source=f"{scenario_path} [budget]",
                  lines=tuple(line for line in lines if line is not None))


def load_budget(path: Path | str) -> Budget:
    """Read the ``[budget]`` table of a budget or scenario TOML file.

    Raises:
        BudgetError: the file is missing, is not TOML, has no ``[budget]`` table, or
            a check is invalid; the message names the file and line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BudgetError(f"{path}: cannot read budget file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise BudgetError(
            f"{path}: budget file is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
            f"offset {exc.start}); save it as UTF-8"
        ) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BudgetError(f"{path}: not valid TOML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise BudgetError(f"{path}: not valid TOML: nested too deeply") from None
    table = document.get("budget")
    if not isinstance(table, Mapping):
        raise BudgetError(
            f'{path}: no [budget] table; add one, e.g. [budget] "end_to_end.p99" = "<= 480us"'
        )
    return parse_budget(table, str(path), _line_locator(text))


def metric_value(summary: Mapping[str, Any], metric: str) -> float | None:
    """The figure ``metric`` names in a ``summary.json`` dict, or ``None`` if absent."""
    orders = summary.get("orders", {})
    head, _, tail = metric.partition(".")
    if metric in ORDER_FIGURES:
        value = orders.get(metric)
    elif head == "outcome":
        value = orders.get("by_outcome", {}).get(tail)
    elif head == "rejects":
        value = orders.get("rejects_by_reason", {}).get(tail, 0)
    elif head == "throughput":
        value = summary.get("throughput", {}).get(tail)
    elif metric in FAILOVER_METRICS:
        return _failover_value(summary, FAILOVER_METRICS[metric])
    else:
        segment, _, stat = metric.rpartition(".")
        value = summary.get("latency_ns", {}).get(segment, {}).get(stat)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _failover_value(summary: Mapping[str, Any], path: tuple[str, ...]) -> float | None:
    """The largest value at ``path`` over the targets of ``summary["failover"]``, if any."""
    values = []
    for figures in summary.get("failover", {}).values():
        value: Any = figures
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            values.append(float(value))
    return max(values) if values else None


def judge(metric: str, op: str, limit: float, actual: float | None, unit: str) -> BudgetResult:
    """Compare one figure to its limit."""
    if actual is None:
        return BudgetResult(metric, op, limit, None, None, passed=False, unit=unit)
    if op in {"<", "<="}:
        margin = limit - actual
    elif op in {">", ">="}:
        margin = actual - limit
    else:
        margin = -abs(actual - limit)
    return BudgetResult(metric, op, limit, actual, margin, OPERATORS[op](actual, limit), unit)


def check_failover_lines(budget: Budget, has_failover: bool) -> None:
    """Raise :class:`BudgetError` naming a failover metric when there is no failover.

    ``sim check`` calls this before simulating (from the scenario's faults) and
    :func:`evaluate` after (from the run's summary).
    """
    if has_failover:
        return
    for line in budget.lines:
        if line.metric in FAILOVER_METRICS:
            where = line.where or f"{budget.source}: key {line.metric!r}"
            raise BudgetError(
                f"{where}: this run has no failover, so {line.metric} cannot be checked; "
                'add a [[faults]] entry with kind = "failover", or remove the line'
            )


def evaluate(budget: Budget, summary: Mapping[str, Any]) -> list[BudgetResult]:
    """Check every line of ``budget`` against a run's ``summary.json`` content.

    Raises:
        BudgetError: a line names a failover metric but the run had no failover; the
            message names the file, line (when known) and key.
    """
    check_failover_lines(budget, bool(summary.get("failover")))
    return [
        judge(line.metric, line.operator, line.limit, metric_value(summary, line.metric), line.unit)
        for line in budget.lines
    ]
