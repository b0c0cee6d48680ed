"""The sweep table: resolved values, which keys count as durations, fixed column types, and
the plot's x-axis choice."""

from __future__ import annotations

import pyarrow as pa

from sim.report.sweep_plot import x_positions
from sim.scenario import scenario_from_dict
from sim.sweep.grid import Axis
from sim.sweep.results import NOT_RUN, duration_axes, resolved_value, results_table
from sim.sweep.task import RunRecord

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


def durations(given: list[str], resolved: list[object]) -> list[bool]:
    return duration_axes([Axis("k", ("x",))], [[text] for text in given],
                         [[value] for value in resolved])


def test_only_unit_text_parsed_to_those_ns_is_a_duration() -> None:
    assert durations(["10us", "1ms"], [10_000, 1_000_000]) == [True]
    assert durations(["1", "2"], [1, 2]) == [False]  # counts
    assert durations(["64kB", "1MB"], [64_000, 1_000_000]) == [False]  # sizes
    assert durations(["0.5", "2"], [0.5, 2.0]) == [False]


def test_the_table_has_fixed_types_status_and_a_column_per_stage_and_strategy_figure() -> None:
    axes = [Axis("k", ("10us", "1ms", "1s"))]
    records = [RunRecord(0, "ok", run_folder="t+k=10us-d0"), RunRecord(1, "failed", "boom"),
               None]
    figures = [{"digest": "d0", "gateway.p99_ns": 7, "gateway.utilisation": 0.25}, {}, {}]
    table = results_table(axes, [["10us"], ["1ms"], ["1s"]],
                          [[10_000], [1_000_000], [10**9]], [3, 3, 3], records, figures, ["mm"])
    assert table.column_names == [
        "run", "k", "k_ns", "seed", "status", "error", "run_folder", "digest", "run_id",
        "end_to_end_p50_ns", "end_to_end_p90_ns", "end_to_end_p99_ns", "end_to_end_p99_9_ns",
        "end_to_end_max_ns", "requests_per_s", "orders", "fill_rate", "reject_rate", "lost",
        "gateway.p99_ns", "gateway.utilisation", "mm.net_pnl", "mm.fills", "mm.fill_rate"]
    assert table.schema.field("end_to_end_p99_ns").type == pa.int64()  # all null, still int
    assert table.column("k_ns").to_pylist() == [10_000, 1_000_000, 10**9]
    assert table.column("digest").to_pylist() == ["d0", None, None]
    assert table.column("status").to_pylist() == ["ok", "failed", "failed"]
    assert table.column("error").to_pylist() == ["", "boom", NOT_RUN]
    assert table.column("run_folder").to_pylist() == ["runs/t+k=10us-d0", "", ""]
    assert table.column("gateway.utilisation").to_pylist() == [0.25, None, None]


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
