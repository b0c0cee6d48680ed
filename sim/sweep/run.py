"""Run a sweep: validate every point, run the missing ones on an executor, write the table.

Every point is loaded (``--set`` overrides, then the point's values) and its inputs
inspected before the first run starts, so a bad key or value costs no simulation.
The sweep folder holds ``runs/`` (one folder per finished run, each written atomically
by its worker) and, once every run has reported, ``results.parquet`` / ``.csv``,
``sweep.png`` and ``sweep.html`` (each written through :mod:`sim.outputs`). The table is
read back from the run folders on disk, so a worker that dies, or a sweep that is
interrupted, loses no finished run; ``resume`` reruns only the points whose run id
(the hash of the resolved scenario and its inputs, :func:`sim.runner.run_identity`)
has no finished folder. Without ``resume`` a previous sweep folder at ``out_dir`` is
replaced; a foreign one only with ``force``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from sim.data.reader import file_fingerprint
from sim.errors import ScenarioError
from sim.outputs import RUN_MARKER, check_run_destination, output_file, remove_stale_temporaries
from sim.report.sweep_plot import write_sweep_html, write_sweep_plot
from sim.runner import inspect_inputs, run_identity
from sim.scenario import Scenario, load_scenario
from sim.sweep.executors import Executor, check_scheduler, run_dask, run_local
from sim.sweep.grid import Axis, Point, expand
from sim.sweep.results import read_run, resolved_value, results_table
from sim.sweep.task import RunRecord, RunTask

SWEEP_ENTRIES = frozenset({RUN_MARKER, "runs", "results.parquet", "results.csv", "sweep.png",
                           "sweep.html", "sweep.parquet", "sweep.csv", "capacity.parquet",
                           "capacity.png"})
"""Everything a sweep folder holds (and the names of older sweeps); such a folder may be
replaced."""

Progress = Callable[[int, int], None]
"""Called with (runs finished, runs to do): once before the first run, then per run."""


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """One point with its validated scenario, its run id and its input fingerprints."""

    point: Point
    scenario: Scenario
    run_id: str
    fingerprints: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SweepOptions:
    """How to run a sweep (the CLI's options past the grid)."""

    sets: Sequence[str] = ()
    seeds: int = 1
    executor: Executor = Executor.LOCAL
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    address: str | None = None
    resume: bool = False
    full_reports: bool = False
    force: bool = False


@dataclass(frozen=True, slots=True)
class SweepOutcome:
    """Where a sweep was written, its table (one row per run) and how many runs it ran."""

    folder: Path
    axes: list[Axis]
    table: pa.Table
    strategy_names: list[str]
    ran: int

    @property
    def failed(self) -> int:
        """Runs whose status is ``failed``."""
        statuses: list[str] = self.table.column("status").to_pylist()
        return statuses.count("failed")


def _input_files(node: Any, found: list[str]) -> list[str]:
    """Every ``path`` value in a scenario dump that names an existing file (sorted, once)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "path" and isinstance(value, str) and Path(value).is_file():
                found.append(value)
            else:
                _input_files(value, found)
    elif isinstance(node, list):
        for item in node:
            _input_files(item, found)
    return sorted(set(found))


def plan(scenario_path: Path, grid: Sequence[str], sets: Sequence[str] = (), seeds: int = 1
         ) -> tuple[list[Axis], list[PlannedRun]]:
    """Every point of the grid x seeds with its validated scenario; raises before any run."""
    if seeds < 1:
        raise ScenarioError(f"--seeds {seeds}: give 1 or more")
    base = load_scenario(scenario_path, sets)  # a bad --set is reported as such, not per point
    seed_values = [base.seed + offset for offset in range(seeds)] if seeds > 1 else []
    axes, points = expand(grid, sets, seed_values)
    hashes: dict[str, str] = {}
    planned = []
    for point in points:
        try:
            scenario = load_scenario(scenario_path, [*sets, *point.overrides()])
            infos = inspect_inputs(scenario)
        except ScenarioError as exc:
            raise ScenarioError(f"--grid {', '.join(point.overrides())}: {exc}") from None
        hashes |= {str(info.path): info.fingerprint for info in infos}
        files = _input_files(scenario.model_dump(mode="json"), [])
        for path in files:
            if path not in hashes:
                hashes[path] = file_fingerprint(Path(path))
        planned.append(PlannedRun(point, scenario, run_identity(scenario, infos)[2],
                                  tuple((path, hashes[path]) for path in files)))
    return axes, planned


def is_sweep_folder(path: Path) -> bool:
    """Whether ``path`` holds a previous sweep and nothing else."""
    try:
        names = {entry.name for entry in path.iterdir()}
    except OSError:
        return False
    return RUN_MARKER in names and names <= SWEEP_ENTRIES and bool(
        names & {"runs", "results.parquet", "sweep.parquet"})


def check_sweep_destination(out_dir: Path, *, force: bool, protected: Sequence[Path]) -> bool:
    """Refuse an ``out_dir`` that may not be replaced; return the ``force`` to write it with.

    The rules of ``sim run --out`` (:func:`sim.outputs.check_run_destination`), with a
    previous sweep folder also replaceable without ``force``.
    """
    widened = force or is_sweep_folder(out_dir)
    check_run_destination(out_dir, force=widened, protected=protected)
    return widened


def prepare_folder(out_dir: Path, *, resume: bool, force: bool,
                    protected: Sequence[Path]) -> Path:
    """The sweep's ``runs/`` folder: kept on ``resume``, else a fresh, empty sweep folder."""
    check_sweep_destination(out_dir, force=force, protected=protected)
    runs = out_dir / "runs"
    if not (resume and is_sweep_folder(out_dir)) and out_dir.exists():
        aside = Path(tempfile.mkdtemp(prefix=f".{out_dir.name[:64]}.old-{os.getpid()}-",
                                      dir=out_dir.parent))
        os.replace(out_dir, aside)
        shutil.rmtree(aside, ignore_errors=True)
    runs.mkdir(parents=True, exist_ok=True)
    (out_dir / RUN_MARKER).write_text("written by ticktwin: a sweep folder; it may be replaced "
                                      "by the next sweep given this --out\n", encoding="utf-8")
    for entry in runs.iterdir():  # temporaries of workers that were killed
        for kind in (".partial-", ".old-"):
            if entry.name.startswith(".") and kind in entry.name:
                remove_stale_temporaries(runs / entry.name[1:entry.name.rindex(kind)])
    return runs


def finished_runs(runs: Path) -> dict[str, str]:
    """Run id -> folder name of every finished run under ``runs`` (one with a summary)."""
    found: dict[str, str] = {}
    for folder in sorted(runs.iterdir()):
        try:
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(summary, dict) and isinstance(summary.get("run_id"), str):
            found.setdefault(summary["run_id"], folder.name)
    return found


def execute_tasks(tasks: list[RunTask], options: SweepOptions, done: Callable[[RunRecord], None]
                  ) -> None:
    """Hand ``tasks`` to the executor ``options`` names; ``done`` gets each record."""
    if options.executor is Executor.DASK:
        run_dask(tasks, options.workers, options.address, done)
    else:
        run_local(tasks, options.workers, done)


def run_sweep(scenario_path: Path, grid: Sequence[str], out_dir: Path,
              options: SweepOptions | None = None, progress: Progress | None = None
              ) -> SweepOutcome:
    """Run the scenario once per grid point and seed into ``out_dir`` (see the module note)."""
    options = options or SweepOptions()
    axes, planned = plan(scenario_path, grid, options.sets, options.seeds)
    protected = [scenario_path, *{Path(path) for run in planned
                                  for path, _ in run.fingerprints}]
    if options.executor is Executor.DASK and options.address is not None:
        check_scheduler(options.address)
    runs = prepare_folder(out_dir, resume=options.resume, force=options.force,
                          protected=protected)
    finished = finished_runs(runs) if options.resume else {}
    records: dict[int, RunRecord] = {
        run.point.index: RunRecord(run.point.index, "ok", run_folder=finished[run.run_id])
        for run in planned if run.run_id in finished}
    tasks = [RunTask(run.point.index, run.scenario.model_dump(mode="json"), run.scenario.source,
                     run.fingerprints, tuple(run.point.overrides()), str(runs.resolve()),
                     options.full_reports)
             for run in planned if run.point.index not in records]

    def done(record: RunRecord) -> None:
        records[record.index] = record
        if progress is not None:
            progress(len(records) - (len(planned) - len(tasks)), len(tasks))

    if progress is not None:
        progress(0, len(tasks))
    execute_tasks(tasks, options, done)
    names = list(dict.fromkeys(strategy.name for run in planned
                               for strategy in run.scenario.strategies))
    table = _table(axes, planned, records, runs, names)
    _write_outputs(out_dir, table, axes, names, planned[0].scenario.price_scale)
    return SweepOutcome(out_dir, axes, table, names, len(tasks))


def _table(axes: list[Axis], planned: list[PlannedRun], records: dict[int, RunRecord],
           runs: Path, names: list[str]) -> pa.Table:
    """The results table, every ok run's figures read back from its folder on disk."""
    ordered = [records.get(run.point.index) for run in planned]
    figures = [read_run(runs / record.run_folder, names)
               if record is not None and record.status == "ok" else {} for record in ordered]
    given = [[value for _, value in run.point.values] for run in planned]
    resolved = [[resolved_value(run.scenario, key) for key, _ in run.point.values]
                for run in planned]
    return results_table(axes, given, resolved, [run.scenario.seed for run in planned],
                         ordered, figures, names)


def _write_outputs(out_dir: Path, table: pa.Table, axes: list[Axis], names: list[str],
                   price_scale: int) -> None:
    """results.parquet, results.csv, sweep.png and sweep.html, each replaced atomically."""
    with output_file(out_dir / "results.parquet") as temporary:
        pq.write_table(table, temporary, compression="zstd")
    with output_file(out_dir / "results.csv") as temporary:
        pl.DataFrame(table).write_csv(temporary)
    flags = [f"{axis.key}_ns" in table.column_names for axis in axes]
    with output_file(out_dir / "sweep.png") as temporary:
        write_sweep_plot(table, axes, names, flags, temporary, price_scale)
    with output_file(out_dir / "sweep.html") as temporary:
        write_sweep_html(table, axes, temporary, out_dir / "sweep.png")

