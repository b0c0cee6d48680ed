"""``sim run`` and ``sim scenarios``: simulate a scenario, list the bundled ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.cli.base import app, emit, fail
from sim.errors import SimError

if TYPE_CHECKING:
    from sim.scenario import Scenario

SCENARIOS_DIR: Path | None = None
"""``sim scenarios`` default folder; ``None`` is the bundled scenarios (:mod:`sim.examples`)."""
LARGE_INPUT_ROWS = 500_000
"""``sim run`` draws a progress bar (on a terminal) from this many input rows on."""


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override: KEY.PATH=VALUE.")]
    = None,
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    engine: Annotated[str | None, typer.Option(help="simpy or fast (the vectorized engine: "
                                               "same stamps and digest; refused, with the "
                                               "reason, when the scenario needs SimPy).")]
    = None,
    out: Annotated[Path | None, typer.Option(help="Run folder (default reports/<name>"
                                             "+<overrides>-<digest8>). Must be new, empty or a "
                                             "previous run folder.")]
    = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out even when it is not a "
                                        "previous run folder.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the run folder.")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print summary.json to stdout.")]
    = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Write only summary.json and "
                                            "the tables (no timeline, plots, report.html).")]
    = False,
) -> None:
    """Simulate a scenario and write its report folder."""
    from sim.progress import progress_bar
    from sim.report.terminal import render_run_summary
    from sim.runner import run_scenario
    from sim.scenario import load_scenario

    overrides = list(set_ or [])
    if seed is not None:
        overrides.append(f"seed={seed}")
    if engine is not None:
        overrides.append(f"engine={engine}")
    loaded = load_scenario(scenario, overrides)
    rows = input_rows(loaded)
    with progress_bar("simulating", rows, enabled=None if rows >= LARGE_INPUT_ROWS else False
                      ) as bar:
        outcome = run_scenario(loaded, out_dir=out, force=force, overrides=overrides,
                               write_report=not no_report, progress=bar.advance)
    if as_json:
        emit(json.dumps(outcome.summary, indent=2))
    elif quiet:
        emit(str(outcome.run_dir))
    else:
        emit(render_run_summary(outcome.summary, outcome.run_dir))


def input_rows(scenario: Scenario) -> int:
    """Rows the run will replay at most (Parquet metadata x replicate copies; 0 if unknown)."""
    import pyarrow.parquet as pq

    from sim.scenario.schema import VolumeMode

    try:
        rows = sum(int(pq.read_metadata(source.path).num_rows)
                   for source in scenario.data.sources)
    except (OSError, ValueError):
        return 0  # the run itself reports the bad file
    volume = scenario.data.volume
    return rows * (volume.multiplier if volume.mode is VolumeMode.REPLICATE else 1)


@app.command("scenarios")
def list_scenarios(
    folder: Annotated[Path | None, typer.Option(help="Folder to list (default: the bundled "
                                                "scenarios, from any directory).")]
    = SCENARIOS_DIR,
) -> None:
    """List scenarios with their one-line description: the bundled ones, or those in --folder.

    A bundled scenario is listed by name, which ``sim run NAME`` accepts as it is.
    """
    from sim.examples import scenarios_dir
    from sim.scenario import load_scenario

    bundled = folder is None
    folder = scenarios_dir() if folder is None else folder
    if not folder.is_dir():
        fail(f"{folder}: no such folder; pass --folder DIR, or omit it for the bundled scenarios")
    files = sorted(path for path in folder.rglob("*.toml") if path.is_file())
    if not files:
        fail(f"no scenario files under {folder}")
    names = [path.stem if bundled else str(path.relative_to(folder)) for path in files]
    width = max(len(name) for name in names)
    for name, path in zip(names, files, strict=True):
        try:
            description = load_scenario(path).description.strip().splitlines()[0:1]
        except SimError as exc:
            description = [f"(invalid: {str(exc).splitlines()[-1].strip()})"]
        emit(f"{name:<{width}}  {''.join(description)}")
