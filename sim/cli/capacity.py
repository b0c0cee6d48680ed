"""``sim capacity``: the largest load a budget holds at, by bisection over seeds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.cli.base import EXIT_CHECK_FAILED, app, emit, fail
from sim.cli.sweep import chosen_executor

if TYPE_CHECKING:
    from sim.sweep.capacity import Capacity


def _seeds_line(capacity: Capacity, value: float | None) -> str:
    """``12: 3/3 seeds`` for the probes at ``value``."""
    probes = capacity.at(value)
    passing = sum(probe.passed for probe in probes)
    return f"{value:g}: budget held on {passing}/{len(probes)} seeds"


def render_capacity(capacity: Capacity) -> list[str]:
    """The answer, its confidence (seeds passing at it and one step past) and its margins."""
    if capacity.value is None:
        return [f"capacity: the budget fails already at {capacity.param} = "
                f"{capacity.failing:g} ({_seeds_line(capacity, capacity.failing)}); "
                "give a smaller --lo"]
    lines = [f"capacity: {capacity.param} = {capacity.value:g}"]
    if capacity.failing is None:
        lines[0] += " (the budget holds up to the largest value tried; raise --hi)"
        lines.append(f"  confidence: at {_seeds_line(capacity, capacity.value)}")
    else:
        lines.append(f"  confidence: at {_seeds_line(capacity, capacity.value)}; "
                     f"at {_seeds_line(capacity, capacity.failing)}")
    worst: dict[str, tuple[float, str]] = {}
    for probe in capacity.at(capacity.value):
        for result in probe.results:
            margin = result.margin if result.margin is not None else float("-inf")
            if result.metric not in worst or margin < worst[result.metric][0]:
                worst[result.metric] = (margin, result.describe())
    lines += [f"  margin (worst seed): {text}" for _, text in worst.values()]
    return lines


@app.command()
def capacity(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    param: Annotated[str, typer.Option(help="Load parameter to search, KEY.PATH (more is more "
                                       "load), e.g. data.volume.multiplier.")],
    budget: Annotated[Path, typer.Option(help="Budget TOML that must hold (as sim check "
                                         "--budget).")],
    lo: Annotated[float | None, typer.Option(help="Smallest value (default: the scenario's).")]
    = None,
    hi: Annotated[float | None, typer.Option(help="Largest value (default: double --lo until "
                                             "the budget fails).")] = None,
    seeds: Annotated[int, typer.Option(help="Runs per value: seeds scenario seed + 0..N-1.",
                                       min=1)] = 3,
    fraction: Annotated[float, typer.Option(help="Share of seeds that must pass at a value.",
                                            min=0.0, max=1.0)] = 1.0,
    tolerance: Annotated[float | None, typer.Option(help="Stop when the bracket is this narrow "
                                                    "(float parameters; integers stop at 1)."
                                                    )] = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default reports/<name>+capacity-"
                                             "<param>); a previous one is reused.")] = None,
    executor: Annotated[str, typer.Option(help="local (a process pool) or dask.")] = "local",
    address: Annotated[str | None, typer.Option(help="Dask scheduler, tcp://HOST:PORT.")]
    = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: the "
                                                "machine's cores).", min=1)] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override for every run: "
                                                   "KEY.PATH=VALUE.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Use --out even when it is not a "
                                        "previous sweep or run folder.")] = False,
) -> None:
    """Bisect a load parameter for the largest value at which the budget holds."""
    from sim.outputs import output_file
    from sim.progress import progress_bar
    from sim.report.budget import load_budget
    from sim.report.capacity_plot import write_capacity_plot
    from sim.scenario import load_scenario
    from sim.sweep import SweepOptions
    from sim.sweep.capacity import SearchSpec, capacity_table, find_capacity

    chosen = chosen_executor(executor, address)
    if tolerance is not None and tolerance <= 0:
        fail(f"--tolerance {tolerance}: give a positive width")
    lines = load_budget(budget)
    sets = list(set_ or [])
    name = load_scenario(scenario, sets).name
    folder = out or Path("reports") / f"{name}+capacity-{param}"
    options = SweepOptions(sets=sets, seeds=seeds, executor=chosen,
                           workers=workers or os.cpu_count() or 1, address=address,
                           force=force)
    spec = SearchSpec(param, lines, lo, hi, tolerance, fraction)
    with progress_bar(f"capacity {param}", None) as bar:
        found = find_capacity(scenario, folder, spec, options, lambda _value: bar.advance(1))
    table = capacity_table(found)
    import pyarrow.parquet as pq

    with output_file(folder / "capacity.parquet") as temporary:
        pq.write_table(table, temporary, compression="zstd")
    first = lines.lines[0]
    with output_file(folder / "capacity.png") as temporary:
        write_capacity_plot(table, param, first.metric, first.unit, found.value, temporary)
    for line in render_capacity(found):
        emit(line)
    probed = len({probe.value for probe in found.probes})
    emit(f"{probed} values probed, {len(found.probes)} runs  wrote {folder} "
         "(capacity.parquet, capacity.png, runs/)")
    if found.value is None:
        raise typer.Exit(EXIT_CHECK_FAILED)
