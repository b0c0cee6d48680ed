"""The sweep table: resolved values, which keys count as durations, fixed column types, and
the plot's x-axis choice."""

from __future__ import annotations

import pyarrow as pa

from sim.report.sweep_plot import x_positions
from sim.scenario import scenario_from_dict
from sim.sweep.grid import Axis
from sim.sweep.results import RunFigures, duration_axes, resolved_value, sweep_table

BODY = {"name": "t", "data": {"sources": [{"name": "s", "path": "x.parquet"}]},
        "strategies": [{"name": "mm", "path": "m:C",
                        "entry": {"latency": {"kind": "constant", "value": "1ms"}}}]}


def test_resolved_values_are_read_from_the_model_including_defaults() -> None:
    scenario = scenario_from_dict(BODY)
    assert resolved_value(scenario, "strategies.0.entry.latency.value") == 1_000_000
    assert resolved_value(scenario, "strategies.0.compute") == 0  # default, left out of dumps
    assert resolved_value(scenario, "data.sources.0.name") == "s"
    assert resolved_value(scenario, "strategies.1.compute") is None
    assert resolved_value(scenario, "nope.key") is None


def runs(given: list[str], resolved: list[object]) -> list[RunFigures]:
    return [RunFigures((text,), (value,), {"digest": f"d{index}"})
            for index, (text, value) in enumerate(zip(given, resolved, strict=True))]


def test_only_unit_text_parsed_to_those_ns_is_a_duration() -> None:
    axis = [Axis("k", ("x",))]
    assert duration_axes(axis, runs(["10us", "1ms"], [10_000, 1_000_000])) == [True]
    assert duration_axes(axis, runs(["1", "2"], [1, 2])) == [False]  # counts
    assert duration_axes(axis, runs(["64kB", "1MB"], [64_000, 1_000_000])) == [False]  # sizes
    assert duration_axes(axis, runs(["0.5", "2"], [0.5, 2.0])) == [False]


def test_the_table_has_fixed_types_and_a_column_per_strategy_figure() -> None:
    axes = [Axis("k", ("10us", "1ms"))]
    figures = runs(["10us", "1ms"], [10_000, 1_000_000])
    table = sweep_table(axes, figures, ["mm"])
    assert table.column_names == [
        "run", "k", "k_ns", "digest", "end_to_end_p50_ns", "end_to_end_p99_ns", "fill_rate",
        "reject_rate", "orders", "mm.net_pnl", "mm.fills", "mm.fill_rate"]
    assert table.schema.field("end_to_end_p99_ns").type == pa.int64()  # all null, still int
    assert table.column("k_ns").to_pylist() == [10_000, 1_000_000]
    assert table.column("digest").to_pylist() == ["d0", "d1"]


def test_durations_over_two_decades_get_a_log_axis() -> None:
    def x(values: list[str], ns: list[int] | None) -> tuple[list[float], bool]:
        columns: dict[str, list[object]] = {"k": list(values)}
        if ns is not None:
            columns["k_ns"] = list(ns)
        positions, log = x_positions(pa.table(columns), Axis("k", tuple(values)), ns is not None)
        return positions.tolist(), log

    assert x(["10us", "100us", "1ms", "10ms"], [10**4, 10**5, 10**6, 10**7]) == (
        [1e4, 1e5, 1e6, 1e7], True)
    assert x(["10us", "1ms"], [10**4, 10**6]) == ([1e4, 1e6], False)  # exactly 2 decades
    assert x(["1", "2.5"], None) == ([1.0, 2.5], False)
    assert x(["fifo", "lifo"], None) == ([0.0, 1.0], False)
