"""Capacity search: the largest value of a load parameter for which a budget holds.

The parameter is assumed monotone (more of it, more load: a volume multiplier, a
rate). Each probed value runs the scenario once per seed (a small sweep on the same
executors, into the same ``runs/`` folder, so a repeated search reuses finished
runs); a seed passes when every budget line holds on its summary
(:func:`sim.report.budget.evaluate`, the check ``sim check`` makes), a value holds when
at least ``fraction`` of its seeds pass. Bisection keeps ``lo`` holding and ``hi``
failing until they are ``tolerance`` apart (1 for an integer parameter). A parameter
takes floats when the scenario accepts ``lo + 0.5`` for it, else it is bisected on
integers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa

from sim.errors import ScenarioError
from sim.report.budget import Budget, BudgetResult, evaluate
from sim.scenario import load_scenario
from sim.sweep.results import resolved_value
from sim.sweep.run import PlannedRun, SweepOptions, execute_tasks, finished_runs, plan
from sim.sweep.run import prepare_folder as prepare_sweep_folder
from sim.sweep.task import RunRecord, RunTask

MAX_DOUBLINGS = 20
"""Without ``--hi``, ``lo`` is doubled at most this many times looking for a failing value."""


@dataclass(frozen=True, slots=True)
class Probe:
    """One seed's run at one value: whether the budget held and each line's result."""

    value: float
    seed: int
    status: str
    error: str
    run_folder: str
    digest: str
    results: tuple[BudgetResult, ...]

    @property
    def passed(self) -> bool:
        """Ran, and every budget line held."""
        return self.status == "ok" and all(result.passed for result in self.results)


@dataclass(frozen=True, slots=True)
class Capacity:
    """The answer: the largest holding value, its neighbour that fails, and every probe."""

    param: str
    value: float | None
    """Largest value probed that holds (None: it fails already at ``lo``)."""
    failing: float | None
    """Smallest value probed that fails (None: it holds up to ``hi``)."""
    probes: list[Probe]
    is_integer: bool

    def at(self, value: float | None) -> list[Probe]:
        """The probes (one per seed) at ``value``."""
        return [probe for probe in self.probes if probe.value == value]


@dataclass(frozen=True, slots=True)
class SearchSpec:
    """What to search: the parameter, its bounds and how sure each point must be."""

    param: str
    budget: Budget
    lo: float | None = None
    hi: float | None = None
    tolerance: float | None = None
    fraction: float = 1.0


def _value_text(value: float, is_integer: bool) -> str:
    """The ``--set`` text of a value: an integer, or the shortest float that round-trips."""
    return str(int(value)) if is_integer else repr(float(value))


def takes_floats(scenario_path: Path, sets: list[str], param: str, lo: float) -> bool:
    """Whether the scenario accepts a non-integer value for ``param``."""
    try:
        load_scenario(scenario_path, [*sets, f"{param}={lo + 0.5!r}"])
    except ScenarioError:
        return False
    return True


class _Searcher:
    """Runs probes (all seeds of one value at once) and remembers them."""

    def __init__(self, scenario_path: Path, out_dir: Path, spec: SearchSpec,
                 options: SweepOptions, progress: Callable[[float], None] | None) -> None:
        self.scenario_path, self.spec, self.options = scenario_path, spec, options
        self.runs = prepare_sweep_folder(out_dir, resume=True, force=options.force,
                                         protected=[scenario_path])
        self.progress = progress
        self.is_integer = True
        self.probes: list[Probe] = []

    def holds(self, value: float) -> bool:
        """Run every seed at ``value`` (or reuse finished runs) and judge the budget."""
        text = _value_text(value, self.is_integer)
        _, planned = plan(self.scenario_path, [f"{self.spec.param}={text}"],
                          self.options.sets, self.options.seeds)
        finished = finished_runs(self.runs)
        records = {run.point.index: RunRecord(run.point.index, "ok",
                                              run_folder=finished[run.run_id])
                   for run in planned if run.run_id in finished}
        tasks = [RunTask(run.point.index, run.scenario.model_dump(mode="json"),
                         run.scenario.source, run.fingerprints, tuple(run.point.overrides()),
                         str(self.runs.resolve()), self.options.full_reports)
                 for run in planned if run.point.index not in records]
        execute_tasks(tasks, self.options, lambda record: records.__setitem__(record.index,
                                                                               record))
        probes = [self._probe(value, run, records[run.point.index]) for run in planned]
        self.probes += probes
        if self.progress is not None:
            self.progress(value)
        return sum(probe.passed for probe in probes) >= self.spec.fraction * len(probes)

    def answer(self, value: float | None, failing: float | None) -> Capacity:
        """The search's result from what was probed."""
        return Capacity(self.spec.param, value, failing, self.probes, self.is_integer)

    def _probe(self, value: float, run: PlannedRun, record: RunRecord) -> Probe:
        if record.status != "ok":
            return Probe(value, run.scenario.seed, "failed", record.error, "", "", ())
        summary = json.loads((self.runs / record.run_folder / "summary.json").read_text(
            encoding="utf-8"))
        return Probe(value, run.scenario.seed, "ok", "", f"runs/{record.run_folder}",
                     summary["digest"], tuple(evaluate(self.spec.budget, summary)))


def find_capacity(scenario_path: Path, out_dir: Path, spec: SearchSpec,
                  options: SweepOptions | None = None,
                  progress: Callable[[float], None] | None = None) -> Capacity:
    """Bisect ``spec.param`` for the largest value whose budget holds (module note)."""
    options = options or SweepOptions()
    current = resolved_value(load_scenario(scenario_path, options.sets), spec.param)
    lo = spec.lo if spec.lo is not None else current
    if isinstance(lo, bool) or not isinstance(lo, int | float):
        raise ScenarioError(f"--param {spec.param}: not a number in the scenario "
                            f"(it is {lo!r}); give --lo and --hi")
    searcher = _Searcher(scenario_path, out_dir, spec, replace(options, resume=True), progress)
    searcher.is_integer = not takes_floats(scenario_path, list(options.sets), spec.param, lo)
    whole = all(bound is None or bound == int(bound) for bound in (lo, spec.hi))
    if searcher.is_integer and not whole:
        raise ScenarioError(f"--param {spec.param}: takes integers only; give whole --lo/--hi")
    if not searcher.holds(lo):
        return searcher.answer(None, lo)
    lo, hi = _bracket(searcher, lo, spec.hi)
    if hi is None:
        return searcher.answer(lo, None)
    step = 1.0 if searcher.is_integer else (spec.tolerance or (hi - lo) / 64)
    while hi - lo > step:
        middle = (lo + hi) / 2
        middle = math.floor(middle) if searcher.is_integer else middle
        if middle in (lo, hi):
            break
        lo, hi = (middle, hi) if searcher.holds(middle) else (lo, middle)
    return searcher.answer(lo, hi)


def _bracket(searcher: _Searcher, lo: float, hi: float | None) -> tuple[float, float | None]:
    """``(holding, failing)`` values around the capacity; failing None if none was found."""
    if hi is not None:
        return (hi, None) if searcher.holds(hi) else (lo, hi)
    hi = lo
    for _ in range(MAX_DOUBLINGS):
        lo, hi = hi, max(hi * 2, hi + 1)
        if not searcher.holds(hi):
            return lo, hi
    return hi, None


def capacity_table(capacity: Capacity) -> pa.Table:
    """``capacity.parquet``: one row per probed run, sorted by value then seed.

    Columns: ``value``, ``seed``, ``probe`` (order probed), ``status``, ``error``,
    ``passed``, ``run_folder``, ``digest``, then per budget line ``<metric>`` (the figure),
    ``<metric>.limit`` and ``<metric>.margin`` (headroom, negative when over).
    """
    order = {value: index for index, value in
             enumerate(dict.fromkeys(probe.value for probe in capacity.probes))}
    probes = sorted(capacity.probes, key=lambda probe: (probe.value, probe.seed))
    columns: dict[str, pa.Array] = {
        "value": pa.array([probe.value for probe in probes], pa.float64()),
        "seed": pa.array([probe.seed for probe in probes], pa.int64()),
        "probe": pa.array([order[probe.value] for probe in probes], pa.int64()),
        "status": pa.array([probe.status for probe in probes], pa.string()),
        "error": pa.array([probe.error for probe in probes], pa.string()),
        "passed": pa.array([probe.passed for probe in probes], pa.bool_()),
        "run_folder": pa.array([probe.run_folder for probe in probes], pa.string()),
        "digest": pa.array([probe.digest or None for probe in probes], pa.string()),
    }
    metrics = list(dict.fromkeys(result.metric for probe in probes for result in probe.results))
    for metric in metrics:
        found = [{result.metric: result for result in probe.results}.get(metric)
                 for probe in probes]
        columns[metric] = pa.array([None if r is None else r.actual for r in found],
                                   pa.float64())
        columns[f"{metric}.limit"] = pa.array([None if r is None else r.limit for r in found],
                                              pa.float64())
        columns[f"{metric}.margin"] = pa.array([None if r is None else r.margin
                                                for r in found], pa.float64())
    return pa.table(columns)
