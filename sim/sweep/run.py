"""Run a sweep: validate every point, run them one after another, write the sweep folder.

Every point is loaded (``--set`` overrides, then the point's values) and its inputs
inspected before the first run starts, so a bad key or value costs no simulation.
The folder is built under a temporary name by :func:`sim.outputs.run_folder` and
moved into place when complete, so an interrupted sweep leaves nothing behind; a
previous sweep folder at ``out_dir`` may be replaced, a foreign one only with ``force``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ScenarioError
from sim.outputs import RUN_MARKER, check_run_destination, run_folder
from sim.report.sweep_plot import write_sweep_plot
from sim.runner import inspect_inputs, run_scenario
from sim.scenario import Scenario, load_scenario
from sim.sweep.grid import Axis, Point, expand
from sim.sweep.results import RunFigures, duration_axes, run_figures, sweep_table

SWEEP_ENTRIES = frozenset({RUN_MARKER, "runs", "sweep.parquet", "sweep.csv", "sweep.png"})
"""Everything a sweep folder holds; a folder holding only these may be replaced."""

Progress = Callable[[Point, int], None]
"""Called before each run with the point and the number of points."""


@dataclass(frozen=True, slots=True)
class SweepOutcome:
    """Where a sweep was written and its table (one row per run)."""

    folder: Path
    axes: list[Axis]
    table: pa.Table
    strategy_names: list[str]


def plan(scenario_path: Path, vary: Sequence[str], sets: Sequence[str] = ()
         ) -> tuple[list[Axis], list[tuple[Point, Scenario]]]:
    """Every point of the grid with its validated scenario; raises before anything runs."""
    axes, points = expand(vary, sets)
    load_scenario(scenario_path, sets)  # a bad --set is reported as such, not per point
    planned = []
    for point in points:
        try:
            scenario = load_scenario(scenario_path, [*sets, *point.overrides()])
            inspect_inputs(scenario)
        except ScenarioError as exc:
            raise ScenarioError(f"--vary {', '.join(point.overrides())}: {exc}") from None
        planned.append((point, scenario))
    return axes, planned


def is_sweep_folder(path: Path) -> bool:
    """Whether ``path`` holds a previous sweep and nothing else."""
    try:
        names = {entry.name for entry in path.iterdir()}
    except OSError:
        return False
    return RUN_MARKER in names and names <= SWEEP_ENTRIES and bool(names & {"runs",
                                                                           "sweep.parquet"})


def check_sweep_destination(out_dir: Path, *, force: bool, protected: Sequence[Path]) -> bool:
    """Refuse an ``out_dir`` that may not be replaced; return the ``force`` to write it with.

    The rules of ``sim run --out`` (:func:`sim.outputs.check_run_destination`), with a
    previous sweep folder also replaceable without ``force``.
    """
    widened = force or is_sweep_folder(out_dir)
    check_run_destination(out_dir, force=widened, protected=protected)
    return widened


def run_point(scenario: Scenario, point: Point, folder: Path) -> RunFigures:
    """Run one point into ``folder`` (summary and tables, no plots) and take its figures.

    Self-contained on purpose: this is the unit a process pool or a Dask client would
    map over the points (issue 12); it reads nothing but its arguments and the inputs.
    """
    outcome = run_scenario(scenario, out_dir=folder, write_report=False)
    return run_figures(scenario, point, outcome.summary, outcome.result.orders)


def run_sweep(scenario_path: Path, vary: Sequence[str], out_dir: Path, *,
              sets: Sequence[str] = (), force: bool = False,
              progress: Progress | None = None) -> SweepOutcome:
    """Run the scenario once per grid point into ``out_dir`` (see the module note)."""
    axes, planned = plan(scenario_path, vary, sets)
    protected = [scenario_path, *{Path(source.path) for _, scenario in planned
                                  for source in scenario.data.sources}]
    widened = check_sweep_destination(out_dir, force=force, protected=protected)
    names = list(dict.fromkeys(strategy.name for _, scenario in planned
                               for strategy in scenario.strategies))
    with run_folder(out_dir, force=widened, protected=protected) as temporary:
        runs = temporary / "runs"
        runs.mkdir()
        figures = []
        # Sequential: a process pool or Dask would map run_point over `planned` here and
        # gather in point order; the table depends only on the order of the points.
        for point, scenario in planned:
            if progress is not None:
                progress(point, len(planned))
            figures.append(run_point(scenario, point, runs / str(point.index)))
        table = sweep_table(axes, figures, names)
        pq.write_table(table, temporary / "sweep.parquet", compression="zstd")
        pl.DataFrame(table).write_csv(temporary / "sweep.csv")
        write_sweep_plot(table, axes, names, duration_axes(axes, figures),
                         temporary / "sweep.png", planned[0][1].price_scale)
        # again: during the sweep another process may have put a foreign folder there
        check_sweep_destination(out_dir, force=force, protected=protected)
    return SweepOutcome(out_dir, axes, table, names)
