"""One sweep run as a pure function: resolved scenario and input fingerprints in, a record out.

:func:`execute` is what a process pool or a Dask worker runs. It first hashes every
input file it is about to read and refuses the run when the bytes differ from what the
submitter hashed (a worker on another machine with another copy of the data), then
simulates into ``runs/<name>+<overrides>-<digest8>`` (written atomically, so a finished
run survives whatever happens to the other runs). Any exception becomes a failed record:
one run's failure is its own row, not the sweep's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sim.data.reader import file_fingerprint
from sim.runner import run_scenario
from sim.scenario.loader import scenario_from_dict

Status = Literal["ok", "failed"]


@dataclass(frozen=True, slots=True)
class RunTask:
    """Everything one run needs, picklable and free of open handles."""

    index: int
    scenario: dict[str, Any]
    """The resolved scenario (``Scenario.model_dump(mode="json")``, absolute paths)."""
    source: str
    """Where the scenario came from (named in messages)."""
    fingerprints: tuple[tuple[str, str], ...]
    """``(path, sha256)`` of every input file, hashed by the submitter."""
    overrides: tuple[str, ...]
    """The point's ``--set`` overrides (they name the run folder)."""
    runs_dir: str
    full_reports: bool


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What became of one run: ``ok`` with its folder name, or ``failed`` with why."""

    index: int
    status: Status
    error: str = ""
    run_folder: str = ""


def one_line(exc: BaseException) -> str:
    """``Type: message`` on one line (an error cell in results.parquet)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def check_inputs(fingerprints: tuple[tuple[str, str], ...]) -> str:
    """Why this machine's input files are not the submitter's ('' when they all match)."""
    for path, expected in fingerprints:
        try:
            actual = file_fingerprint(Path(path))
        except OSError as exc:
            return (f"input {path}: cannot be read on this worker ({exc.strerror or exc}); "
                    "workers need the same input files at the same paths")
        if actual != expected:
            return (f"input {path}: this worker's copy differs from the submitter's (sha256 "
                    f"{actual[:12]}... here, {expected[:12]}... expected); copy the same file "
                    "to every worker")
    return ""


def execute(task: RunTask) -> RunRecord:
    """Run ``task`` into its run folder (see the module note); never raises for the run."""
    refused = check_inputs(task.fingerprints)
    if refused:
        return RunRecord(task.index, "failed", refused)
    try:
        scenario = scenario_from_dict(task.scenario, source=task.source)
        outcome = run_scenario(scenario, reports_root=Path(task.runs_dir),
                               write_report=task.full_reports, overrides=task.overrides)
    except Exception as exc:  # one run's failure is its row's, not the sweep's
        return RunRecord(task.index, "failed", one_line(exc))
    return RunRecord(task.index, "ok", run_folder=outcome.run_dir.name)
