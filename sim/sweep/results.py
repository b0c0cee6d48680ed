"""One row of figures per sweep run, and the table they make (``sweep.parquet``).

Columns, in this order: ``run`` (the point's index, also its folder ``runs/<run>``);
per varied key its value as given (text) and, when every value is a duration, its
resolved int ns as ``<key>_ns``; ``digest``; ``end_to_end_p50_ns``,
``end_to_end_p99_ns``, ``fill_rate``, ``reject_rate``, ``orders`` (new orders
submitted); per strategy ``<name>.net_pnl`` and ``<name>.fills`` (from its
``strategy.<name>`` counters) and ``<name>.fill_rate`` (its fills per new order it
sent, from ``orders``; a fill is one execution, so an order filled in pieces counts
more than once). The types are fixed by this module, not inferred, so a sweep whose
runs all lack a figure still writes the same schema.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from sim.errors import UnitError
from sim.report.summary import NEW_ORDER_LABELS
from sim.scenario.schema import Scenario
from sim.sweep.grid import Axis, Point
from sim.units import parse_duration_ns

HEADLINE: tuple[tuple[str, pa.DataType], ...] = (
    ("digest", pa.string()),
    ("end_to_end_p50_ns", pa.int64()),
    ("end_to_end_p99_ns", pa.int64()),
    ("fill_rate", pa.float64()),
    ("reject_rate", pa.float64()),
    ("orders", pa.int64()),
)
STRATEGY_FIGURES: tuple[tuple[str, pa.DataType], ...] = (
    ("net_pnl", pa.int64()),
    ("fills", pa.int64()),
    ("fill_rate", pa.float64()),
)


@dataclass(frozen=True, slots=True)
class RunFigures:
    """What one run contributes to the table: its resolved axis values and figures."""

    given: tuple[str, ...]
    """The value of each varied key as given on the command line."""
    resolved: tuple[Any, ...]
    """The value of each varied key in the validated scenario (durations as int ns)."""
    figures: dict[str, Any]
    """Headline and ``<strategy>.<figure>`` columns."""


def resolved_value(scenario: Scenario, key: str) -> Any:
    """The validated value at a dotted ``--set`` key (``strategies.0.entry.latency.value``).

    Read from the model objects, not a dump, because dumps leave out keys at their default.
    """
    node: Any = scenario
    for part in key.split("."):
        if isinstance(node, BaseModel):
            node = getattr(node, part, None)
        elif isinstance(node, list | tuple) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


def _duration_ns(given: str, resolved: Any) -> int | None:
    """``resolved`` when ``given`` is duration text (``"10us"``) that it was parsed from."""
    try:
        literal = tomllib.loads(f"v = {given}")["v"]
    except tomllib.TOMLDecodeError:
        literal = given
    if not isinstance(literal, str) or isinstance(resolved, bool) or not isinstance(resolved,
                                                                                     int):
        return None
    try:
        return resolved if parse_duration_ns(literal) == resolved else None
    except UnitError:
        return None


def run_figures(scenario: Scenario, point: Point, summary: dict[str, Any],
                orders: pa.Table) -> RunFigures:
    """The row figures of one finished run (``summary.json`` and its orders table)."""
    end_to_end = summary["latency_ns"].get("end_to_end", {})
    figures: dict[str, Any] = {
        "digest": summary["digest"],
        "end_to_end_p50_ns": end_to_end.get("p50"),
        "end_to_end_p99_ns": end_to_end.get("p99"),
        "fill_rate": summary["orders"]["fill_rate"],
        "reject_rate": summary["orders"]["reject_rate"],
        "orders": summary["orders"]["submitted"],
    }
    for strategy in scenario.strategies:
        figures |= _strategy_figures(strategy.name, summary, orders)
    given = tuple(value for _, value in point.values)
    resolved = tuple(resolved_value(scenario, key) for key, _ in point.values)
    return RunFigures(given, resolved, figures)


def _strategy_figures(name: str, summary: dict[str, Any], orders: pa.Table) -> dict[str, Any]:
    """``<name>.net_pnl``, ``<name>.fills`` and ``<name>.fill_rate`` of one strategy."""
    counters = summary["components"].get(f"strategy.{name}", {})
    fills = int(counters.get("fills", 0))
    actions = pc.cast(orders.column("action"), pa.string())
    sources = pc.cast(orders.column("source"), pa.string())
    mine = pc.and_(pc.is_in(actions, pa.array(sorted(NEW_ORDER_LABELS), pa.string())),
                   pc.equal(sources, f"strategy.{name}"))
    sent = int(pc.sum(pc.cast(pc.fill_null(mine, False), pa.int64())).as_py() or 0)
    return {f"{name}.net_pnl": int(counters.get("net_pnl", 0)), f"{name}.fills": fills,
            f"{name}.fill_rate": round(fills / sent, 6) if sent else 0.0}


def duration_axes(axes: Sequence[Axis], runs: Sequence[RunFigures]) -> list[bool]:
    """Per axis: whether every value given is a duration (it gets a ``<key>_ns`` column)."""
    return [bool(runs) and all(_duration_ns(run.given[position], run.resolved[position])
                               is not None for run in runs)
            for position in range(len(axes))]


def sweep_table(axes: Sequence[Axis], runs: Sequence[RunFigures],
                strategy_names: Sequence[str]) -> pa.Table:
    """The sweep's table: one row per run, columns as in the module note."""
    columns: dict[str, pa.Array] = {"run": pa.array(range(len(runs)), pa.int64())}
    for position, (axis, is_duration) in enumerate(zip(axes, duration_axes(axes, runs),
                                                        strict=True)):
        columns[axis.key] = pa.array([run.given[position] for run in runs], pa.string())
        if is_duration:
            columns[f"{axis.key}_ns"] = pa.array([run.resolved[position] for run in runs],
                                                 pa.int64())
    fields = list(HEADLINE)
    for name in strategy_names:
        fields += [(f"{name}.{figure}", kind) for figure, kind in STRATEGY_FIGURES]
    for column, kind in fields:
        columns[column] = pa.array([run.figures.get(column) for run in runs], kind)
    return pa.table(columns)
