"""The names a budget may use, from the summary schema, and where a budget key is written.

Checked when a budget is parsed (:mod:`sim.report.budget`), so a misspelt key
(``rejects.queue_ful``, ``gatway.p99``) stops ``sim check`` before any simulation
instead of failing, or passing as 0, after it. Latency segments are the summary's
(``sim.report.summary.SEGMENTS``), outcomes its final outcomes, reject reasons every
reason the model records (book, pre-trade checks, ``queue_full``, ``rate_limited``).
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import Final

from sim.core.vocabulary import RejectReason
from sim.report.summary import FINAL_OUTCOMES, SEGMENTS

LATENCY_STATS: Final[frozenset[str]] = frozenset({"mean", "p50", "p90", "p99", "p99_9", "max"})
ORDER_FIGURES: Final[frozenset[str]] = frozenset({"fill_rate", "reject_rate", "submitted", "lost"})
FAILOVER_METRICS: Final[dict[str, tuple[str, ...]]] = {
    "failover_outage": ("outage", "duration_ns"),
    "failover_detection": ("detection_ns",),
    "failover_delayed_p99": ("outage_delay_ns", "p99"),
}
"""Failover budget metrics (all durations) and their key path in ``summary["failover"][target]``."""
THROUGHPUT_KEYS: Final[tuple[str, ...]] = ("acks_per_s", "requests_per_s", "sim_duration_ns")
"""Keys of ``summary["throughput"]`` (:func:`sim.report.summary.summarize`)."""


@cache
def reject_reasons() -> tuple[str, ...]:
    """Every reason an order can be rejected for (book, pre-trade, full queue, rate limit)."""
    return tuple(sorted(RejectReason.labels()))


def metric_names() -> list[str]:
    """Every metric a budget may name, sorted (the summary schema's figures)."""
    names = set(ORDER_FIGURES) | set(FAILOVER_METRICS)
    names |= {f"{segment}.{stat}" for segment in SEGMENTS for stat in LATENCY_STATS | {"count"}}
    names |= {f"outcome.{name}" for name in FINAL_OUTCOMES}
    names |= {f"rejects.{name}" for name in reject_reasons()}
    names |= {f"throughput.{name}" for name in THROUGHPUT_KEYS}
    return sorted(names)


def closest(name: str, choices: list[str] | tuple[str, ...], shown: str = "{}") -> str:
    """``did you mean 'x'? `` for the closest choice (formatted into ``shown``), or ``""``."""
    found = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f"did you mean {shown.format(found[0])!r}? " if found else ""


def unknown_name(metric: str) -> str | None:
    """What is wrong with a well-shaped ``metric`` that names nothing, or ``None`` if it is known.

    ``rejects.queue_ful`` -> ``unknown reject reason 'queue_ful'; did you mean
    'rejects.queue_full'? known reject reasons: ...``.
    """
    head, _, tail = metric.partition(".")
    vocabularies: dict[str, tuple[str, tuple[str, ...]]] = {
        "outcome": ("outcome", FINAL_OUTCOMES),
        "rejects": ("reject reason", reject_reasons()),
        "throughput": ("throughput figure", THROUGHPUT_KEYS),
    }
    if metric in ORDER_FIGURES or metric in FAILOVER_METRICS:
        return None
    if head in vocabularies:
        what, known = vocabularies[head]
        shown = f"{head}.{{}}"
    else:
        tail, _, stat = metric.rpartition(".")
        what, known = "latency segment", tuple(SEGMENTS)
        shown = f"{{}}.{stat}"
    if tail in known:
        return None
    suggestion = closest(tail, known, shown)
    return f"unknown {what} {tail!r}; {suggestion}known {what}s: {', '.join(known)}"


_HEADER = re.compile(r"^\s*\[\s*([^\[\]]*?)\s*\]\s*(?:#.*)?$")


def _dotted(key: str) -> str:
    """A TOML key as its dotted metric name: quotes and spaces around dots dropped."""
    return re.sub(r"\s*\.\s*", ".", key.strip()).replace('"', "").replace("'", "")


def budget_key_lines(text: str) -> dict[str, int]:
    """Line number (from 1) of every key written in ``[budget]`` (or ``[budget.x]``) tables.

    tomllib keeps no positions, so this reads the text: table headers set the prefix
    (``[budget.end_to_end]`` then ``p99 = ...`` is ``end_to_end.p99``), quoted and dotted
    keys name the same metric. The first line that writes a metric wins.
    """
    found: dict[str, int] = {}
    table: str | None = ""  # the current [table]; "" at the top level, None in [[arrays]]
    for number, row in enumerate(text.splitlines(), start=1):
        if row.lstrip().startswith("[["):
            table = None
            continue
        header = _HEADER.match(row)
        if header is not None:
            table = _dotted(header.group(1))
            continue
        key, equals, _ = row.partition("=")
        if not equals or key.lstrip().startswith("#") or table is None:
            continue
        name = f"{table}.{_dotted(key)}" if table else _dotted(key)
        if name.startswith("budget."):
            found.setdefault(name.removeprefix("budget."), number)
    return found
