"""``sim check``, ``sim diff`` and ``sim report``: budgets, comparisons, report rebuilding.

Exit codes follow the CLI's rule: 0 every check holds, 1 a check failed, 2 bad input.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli.base import EXIT_CHECK_FAILED, app, emit, fail
from sim.outputs import check_file_destination, write_text_file
from sim.report.run_folder import read_summary
from sim.units import format_ns


def parse_tolerance(text: str) -> float:
    """``"10%"`` or ``"0.1"`` -> 0.1; anything else is a bad-input exit."""
    try:
        value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        fail(f"--tolerance {text!r}: write a percentage such as 10% or a fraction such as 0.1")
    if not value.is_finite() or value < 0:
        fail(f"--tolerance {text!r} must be a finite number, not negative")
    return float(value)


def _budget_results(summary: dict[str, Any], budget: Path | None, source: str,
                    required: bool) -> list[Any]:
    """Evaluate the --budget file, else the run's own [budget] table."""
    from sim.report.budget import evaluate, load_budget, parse_budget

    table = summary.get("scenario", {}).get("budget") or {}
    if budget is not None:
        return evaluate(load_budget(budget), summary)
    if table:
        return evaluate(parse_budget(table, source), summary)
    if required:
        fail("no budget: add a [budget] table to the scenario or pass --budget FILE")
    return []


def _run_and_summarize(scenario: Path, set_: list[str], budget_file: Any, out: Path | None,
                       force: bool) -> dict[str, Any]:
    """Load the scenario, refuse budget lines it cannot satisfy, run it."""
    from sim.report.budget import check_failover_lines, scenario_budget
    from sim.runner import run_scenario
    from sim.scenario import load_scenario

    loaded = load_scenario(scenario, set_)
    lines = budget_file or scenario_budget(loaded.budget, scenario)  # names file:line
    has_failover = any(fault.kind == "failover" for fault in loaded.faults)
    check_failover_lines(lines, has_failover)  # before a run that could not pass
    summary: dict[str, Any] = run_scenario(loaded, out_dir=out, force=force).summary
    return summary


@app.command()
def check(
    scenario: Annotated[Path | None, typer.Argument(help="Scenario to run and check.")] = None,
    run_dir: Annotated[Path | None, typer.Option("--run", help="Check this run folder instead "
                                                 "of running.")] = None,
    budget: Annotated[Path | None, typer.Option(help="Budget TOML (default: the scenario's "
                                                "\\[budget] table).")] = None,
    junit: Annotated[Path | None, typer.Option(help="Write JUnit XML here.")] = None,
    markdown: Annotated[Path | None, typer.Option(help="Write a Markdown table here.")] = None,
    baseline: Annotated[Path | None, typer.Option(help="Run folder to compare with.")] = None,
    tolerance: Annotated[str, typer.Option(help="Allowed regression vs --baseline.")] = "10%",
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override: KEY.PATH=VALUE.")]
    = None,
    out: Annotated[Path | None, typer.Option(help="Run folder for the run.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out even when it is not a "
                                        "previous run folder.")] = False,
) -> None:
    """Hold a run to its latency budget; exit 0 when every line holds, 1 when any fails."""
    from sim.report.budget import load_budget
    from sim.report.check_format import junit_xml, markdown_table
    from sim.report.compare import check_regressions

    if (scenario is None) == (run_dir is None):
        fail("give a SCENARIO to run or --run RUN_DIR to check, not both")
    # Everything that can be bad input is checked before any simulation.
    for target in (junit, markdown):
        if target is not None:
            check_file_destination(target)
    ratio = parse_tolerance(tolerance)
    budget_file = load_budget(budget) if budget is not None else None
    reference = read_summary(baseline) if baseline is not None else None
    if run_dir is not None:
        summary = read_summary(run_dir)
        source = f"{run_dir}/summary.json [budget]"
    else:
        assert scenario is not None
        summary = _run_and_summarize(scenario, list(set_ or []), budget_file, out, force)
        source = f"{scenario} [budget]"
    results = _budget_results(summary, budget, source, required=reference is None)
    if reference is not None:
        results += check_regressions(reference, summary, ratio)
    for result in results:
        emit(("PASS " if result.passed else "FAIL ") + result.describe())
    failed = sum(not r.passed for r in results)
    emit(f"{len(results) - failed} passed, {failed} failed")
    if junit is not None:
        write_text_file(junit, junit_xml(results,
                                         f"ticktwin.{summary.get('scenario_name', 'run')}"))
    if markdown is not None:
        write_text_file(markdown, markdown_table(results))
    if failed:
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command()
def diff(
    run_a: Annotated[Path, typer.Argument(help="First run folder.")],
    run_b: Annotated[Path, typer.Argument(help="Second run folder.")],
) -> None:
    """Side-by-side table of every headline figure with absolute and relative change."""
    from sim.report.compare import diff_summaries

    rows = diff_summaries(read_summary(run_a), read_summary(run_b))
    width = max((len(row.metric) for row in rows), default=6)
    emit(f"{'metric':<{width}}  {'A':>12}  {'B':>12}  {'change':>12}  {'rel':>8}")

    def show(value: float | None, unit: str) -> str:
        if value is None:
            return "-"
        return format_ns(value) if unit == "ns" else f"{value:.6g}"

    for row in rows:
        rel = "-" if row.rel_change is None else f"{row.rel_change:+.1%}"
        emit(f"{row.metric:<{width}}  {show(row.a, row.unit):>12}  "
             f"{show(row.b, row.unit):>12}  {show(row.abs_change, row.unit):>12}  {rel:>8}")


@app.command()
def report(run_dir: Annotated[Path, typer.Argument(help="Run folder written by `sim run`.")]
           ) -> None:
    """Rebuild timeline.parquet, plots/*.png and report.html of a run without re-running."""
    from sim.report.html import regenerate

    read_summary(run_dir)
    emit(f"wrote {regenerate(run_dir)}")


