"""One row per sweep run, read back from the run folders on disk (``results.parquet``).

Columns, in this order: ``run`` (the point's index); per varied key its value as given
(text) and, when every value is a duration, its resolved int ns as ``<key>_ns``;
``seed`` (an int; a ``--grid seed=...`` has no text column of its own); ``status``
(``ok`` or ``failed``), ``error`` (why, '' when ok), ``run_folder`` (``runs/<name>``);
``digest`` and ``run_id``; the end-to-end latency ``p50``, ``p90``, ``p99``, ``p99_9``
and ``max`` in ns; ``requests_per_s``, ``orders`` (new orders
submitted), ``fill_rate``, ``reject_rate``, ``lost``; per stage (a component with
``busy_ns`` and ``workers``, sorted) ``<stage>.p99_ns`` and ``<stage>.utilisation``
(busy time over workers x simulated time); per strategy ``<name>.net_pnl``,
``<name>.fills`` and ``<name>.fill_rate`` (fills per new order it sent). Types are fixed
here, not inferred, and nothing depends on the executor, the host or the wall clock,
so the same sweep gives the same bytes wherever it ran.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel

from sim.errors import UnitError
from sim.report.summary import NEW_ORDER_LABELS
from sim.scenario.schema import Scenario
from sim.sweep.grid import Axis
from sim.sweep.task import RunRecord
from sim.units import parse_duration_ns

PERCENTILES = ("p50", "p90", "p99", "p99_9", "max")
HEADLINE: tuple[tuple[str, pa.DataType], ...] = (
    ("digest", pa.string()),
    ("run_id", pa.string()),
    *((f"end_to_end_{stat}_ns", pa.int64()) for stat in PERCENTILES),
    ("requests_per_s", pa.float64()),
    ("orders", pa.int64()),
    ("fill_rate", pa.float64()),
    ("reject_rate", pa.float64()),
    ("lost", pa.int64()),
)
STRATEGY_FIGURES: tuple[tuple[str, pa.DataType], ...] = (
    ("net_pnl", pa.int64()),
    ("fills", pa.int64()),
    ("fill_rate", pa.float64()),
)
NOT_RUN = "not run: the sweep stopped before this run finished; rerun it with --resume"


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


def duration_axes(axes: Sequence[Axis], given: Sequence[Sequence[str]],
                  resolved: Sequence[Sequence[Any]]) -> list[bool]:
    """Per axis: whether every value given is a duration (it gets a ``<key>_ns`` column)."""
    return [bool(given) and all(_duration_ns(row[position], values[position]) is not None
                                for row, values in zip(given, resolved, strict=True))
            for position in range(len(axes))]


def read_run(run_dir: Path, strategy_names: Sequence[str]) -> dict[str, Any]:
    """The figures of one finished run folder (its ``summary.json``, orders for strategies)."""
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    latency = summary["latency_ns"]
    end_to_end = latency.get("end_to_end", {})
    throughput = summary.get("throughput", {})
    figures: dict[str, Any] = {
        "digest": summary["digest"], "run_id": summary["run_id"],
        **{f"end_to_end_{stat}_ns": end_to_end.get(stat) for stat in PERCENTILES},
        "requests_per_s": throughput.get("requests_per_s"),
        "orders": summary["orders"]["submitted"],
        "fill_rate": summary["orders"]["fill_rate"],
        "reject_rate": summary["orders"]["reject_rate"],
        "lost": summary["orders"]["lost"],
    }
    duration = throughput.get("sim_duration_ns") or 0
    for stage, counters in summary["components"].items():
        if "busy_ns" in counters and "workers" in counters:
            figures[f"{stage}.p99_ns"] = latency.get(stage, {}).get("p99")
            capacity = counters["workers"] * duration
            figures[f"{stage}.utilisation"] = (round(counters["busy_ns"] / capacity, 6)
                                               if capacity else None)
    if strategy_names:
        orders = pq.read_table(run_dir / "orders.parquet", columns=["action", "source"])
        for name in strategy_names:
            figures |= _strategy_figures(name, summary, orders)
    return figures


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


def stage_names(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Stages that have a utilisation figure in any row, sorted."""
    return sorted({column.removesuffix(".utilisation") for row in rows for column in row
                   if column.endswith(".utilisation")})


def results_table(axes: Sequence[Axis], given: Sequence[Sequence[str]],
                  resolved: Sequence[Sequence[Any]], seeds: Sequence[int],
                  records: Sequence[RunRecord | None], figures: Sequence[Mapping[str, Any]],
                  strategy_names: Sequence[str]) -> pa.Table:
    """The sweep's table, one row per point in index order; columns as in the module note.

    ``figures`` holds :func:`read_run`'s dict for an ok run and ``{}`` for the others;
    ``records`` None means the run never reported (``NOT_RUN``).
    """
    count = len(records)
    columns: dict[str, pa.Array] = {"run": pa.array(range(count), pa.int64())}
    flags = duration_axes(axes, given, resolved)
    for position, (axis, is_duration) in enumerate(zip(axes, flags, strict=True)):
        if axis.key == "seed":
            continue  # the seed column below (int) says it
        columns[axis.key] = pa.array([row[position] for row in given], pa.string())
        if is_duration:
            columns[f"{axis.key}_ns"] = pa.array([row[position] for row in resolved],
                                                 pa.int64())
    columns["seed"] = pa.array(seeds, pa.int64())
    columns["status"] = pa.array([record.status if record else "failed" for record in records],
                                 pa.string())
    columns["error"] = pa.array([record.error if record else NOT_RUN for record in records],
                                pa.string())
    columns["run_folder"] = pa.array([f"runs/{record.run_folder}" if record and
                                      record.run_folder else "" for record in records],
                                     pa.string())
    fields = list(HEADLINE)
    for stage in stage_names(figures):
        fields += [(f"{stage}.p99_ns", pa.int64()), (f"{stage}.utilisation", pa.float64())]
    for name in strategy_names:
        fields += [(f"{name}.{figure}", kind) for figure, kind in STRATEGY_FIGURES]
    for column, kind in fields:
        columns[column] = pa.array([row.get(column) for row in figures], kind)
    return pa.table(columns)
