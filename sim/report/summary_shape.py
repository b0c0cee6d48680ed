"""Shape checks of the ``summary.json`` keys only ``sim report`` reads.

:func:`sim.report.run_folder.read_summary` checks what every reader of a run folder
indexes into (orders, latency, throughput). The report also reads the simulated span,
the run's own timeline interval, worker counts, fault windows and failover tables;
rather than letting a ``KeyError`` or ``AttributeError`` escape from deep inside the
HTML or plot code, those keys are checked once, up front, against a short spec of
dotted paths (``*`` stands for every entry of an object or list), and the first
mismatch is a one-line :class:`~sim.errors.DataError` naming the file, key and type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from sim.errors import DataError

INTEGER: Final[str] = "an integer"
NUMBER: Final[str] = "a number"
TEXT: Final[str] = "a string"
OBJECT: Final[str] = "an object"
LIST: Final[str] = "a list"
INTEGER_OR_NULL: Final[str] = "a positive integer or null"

REPORT_KEYS: Final[tuple[tuple[str, str, bool], ...]] = (
    ("sim_start_ns", INTEGER, True),
    ("sim_end_ns", INTEGER, True),
    ("scenario", OBJECT, True),
    ("scenario.report", OBJECT, True),
    ("scenario.report.timeline_interval", INTEGER_OR_NULL, True),
    ("scenario_name", TEXT, False),
    ("digest", TEXT, False),
    ("components", OBJECT, False),
    ("components.*", OBJECT, True),
    ("components.*.workers", INTEGER, False),
    ("faults", LIST, False),
    ("faults.*", OBJECT, True),
    ("faults.*.kind", TEXT, True),
    ("faults.*.subject", TEXT, True),
    ("faults.*.start_ns", INTEGER, True),
    ("faults.*.end_ns", INTEGER, True),
    ("failover", OBJECT, False),
    ("failover.*", OBJECT, True),
    ("failover.*.outage", OBJECT, False),
    ("failover.*.recovery", OBJECT, False),
)
"""Keys ``sim report`` reads beyond ``read_summary``'s: dotted path, type, required."""


def _fits(value: Any, kind: str) -> bool:
    integer = isinstance(value, int) and not isinstance(value, bool)
    if kind == INTEGER:
        return integer
    if kind == NUMBER:
        return integer or isinstance(value, float)
    if kind == TEXT:
        return isinstance(value, str)
    if kind == OBJECT:
        return isinstance(value, Mapping)
    if kind == LIST:
        return isinstance(value, list)
    return value is None or (integer and value > 0)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _entries(value: Any, part: str, prefix: str) -> list[tuple[str, Any]]:
    """The children of ``value`` that path segment ``part`` selects, with their paths."""
    joined = f"{prefix}." if prefix else ""
    if part == "*":
        if isinstance(value, Mapping):
            return [(f"{joined}{key}", item) for key, item in value.items()]
        return [(f"{prefix}[{index}]", item) for index, item in enumerate(value)]
    return [(f"{joined}{part}", value[part])] if part in value else []


def _resolve(summary: Mapping[str, Any], parts: Sequence[str]) -> list[tuple[str, Any]]:
    """Every (path, value) the dotted ``parts`` select; ``(path, KeyError)`` where missing."""
    found: list[tuple[str, Any]] = [("", summary)]
    for depth, part in enumerate(parts):
        step: list[tuple[str, Any]] = []
        for prefix, value in found:
            if not isinstance(value, Mapping | list):
                continue  # the parent's own check reports it
            children = _entries(value, part, prefix)
            if not children and part != "*" and depth == len(parts) - 1:
                step.append((f"{prefix}.{part}" if prefix else part, KeyError))
            step.extend(children)
        found = step
    return found


def check_summary(summary: Any, source: str,
                  keys: Sequence[tuple[str, str, bool]] = REPORT_KEYS) -> None:
    """Raise on the first key of ``keys`` that is missing (when required) or mistyped.

    Args:
        summary: the parsed ``summary.json``.
        source: the file's path, named in the message.
        keys: (dotted path, expected type, required) triples; ``*`` matches every entry.

    Raises:
        DataError: ``<source>: key 'a.b' missing ...`` or ``... should be an integer ...``.
    """
    if not isinstance(summary, Mapping):
        raise DataError(f"{source}: should hold a JSON object, got {type(summary).__name__}; "
                        "is it a summary.json written by `sim run`?")
    for path, kind, required in keys:
        for where, value in _resolve(summary, path.split(".")):
            if value is KeyError:
                if required:
                    raise DataError(f"{source}: key {where!r} missing; is it a summary.json "
                                    "written by `sim run`? (rerun the scenario to rewrite it)")
            elif not _fits(value, kind):
                raise DataError(f"{source}: key {where!r} should be {kind}, got {_show(value)}")
