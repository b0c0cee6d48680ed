"""``sim check``, ``sim diff`` and ``sim report``: budgets, comparisons, report rebuilding.

Exit codes follow the CLI's rule: 0 every check holds, 1 a check failed, 2 bad input.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli import app, fail
from sim.errors import SimError
from sim.units import format_ns


def _read_summary(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "summary.json"
    if not path.is_file():
        fail(f"{path}: missing; is {run_dir} a run folder written by `sim run`?")
    try:
        summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        fail(f"{path}: not valid JSON ({exc})")
    return summary


def parse_tolerance(text: str) -> float:
    """``"10%"`` or ``"0.1"`` -> 0.1; anything else is a bad-input exit."""
    try:
        value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        fail(f"--tolerance {text!r}: write a percentage such as 10% or a fraction such as 0.1")
    if value < 0:
        fail(f"--tolerance {text!r} must not be negative")
    return float(value)


def _write(path: Path | None, text: str) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.partial")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)


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


@app.command()
def check(
    scenario: Annotated[Path | None, typer.Argument(help="Scenario to run and check.")] = None,
    run_dir: Annotated[Path | None, typer.Option("--run", help="Check this run folder instead "
                                                 "of running.")] = None,
    budget: Annotated[Path | None, typer.Option(help="Budget TOML (default: the scenario's "
                                                "[budget]).")] = None,
    junit: Annotated[Path | None, typer.Option(help="Write JUnit XML here.")] = None,
    markdown: Annotated[Path | None, typer.Option(help="Write a Markdown table here.")] = None,
    baseline: Annotated[Path | None, typer.Option(help="Run folder to compare with.")] = None,
    tolerance: Annotated[str, typer.Option(help="Allowed regression vs --baseline.")] = "10%",
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override: KEY.PATH=VALUE.")]
    = None,
    out: Annotated[Path | None, typer.Option(help="Run folder for the run.")] = None,
) -> None:
    """Hold a run to its latency budget; exit 0 when every line holds, 1 when any fails."""
    from sim.report.budget import check_failover_lines, load_budget, parse_budget
    from sim.report.check_format import junit_xml, markdown_table
    from sim.report.compare import check_regressions

    if (scenario is None) == (run_dir is None):
        fail("give a SCENARIO to run or --run RUN_DIR to check, not both")
    try:
        # Bad budget files stop before any simulation.
        budget_file = load_budget(budget) if budget is not None else None
        if run_dir is not None:
            summary = _read_summary(run_dir)
            source = f"{run_dir}/summary.json [budget]"
        else:
            from sim.runner import run_scenario
            from sim.scenario import load_scenario

            assert scenario is not None
            loaded = load_scenario(scenario, list(set_ or []))
            lines = budget_file or parse_budget(loaded.budget, f"{scenario} [budget]")
            has_failover = any(fault.kind == "failover" for fault in loaded.faults)
            check_failover_lines(lines, has_failover)  # before a run that could not pass
            summary = run_scenario(loaded, out_dir=out).summary
            source = f"{scenario} [budget]"
        results = _budget_results(summary, budget, source, required=baseline is None)
        if baseline is not None:
            results += check_regressions(_read_summary(baseline), summary,
                                         parse_tolerance(tolerance))
    except SimError as exc:
        fail(str(exc))
    for result in results:
        typer.echo(("PASS " if result.passed else "FAIL ") + result.describe())
    failed = sum(not r.passed for r in results)
    typer.echo(f"{len(results) - failed} passed, {failed} failed")
    _write(junit, junit_xml(results, f"ticktwin.{summary.get('scenario_name', 'run')}"))
    _write(markdown, markdown_table(results))
    if failed:
        raise typer.Exit(1)


@app.command()
def diff(
    run_a: Annotated[Path, typer.Argument(help="First run folder.")],
    run_b: Annotated[Path, typer.Argument(help="Second run folder.")],
) -> None:
    """Side-by-side table of every headline figure with absolute and relative change."""
    from sim.report.compare import diff_summaries

    rows = diff_summaries(_read_summary(run_a), _read_summary(run_b))
    width = max((len(row.metric) for row in rows), default=6)
    typer.echo(f"{'metric':<{width}}  {'A':>12}  {'B':>12}  {'change':>12}  {'rel':>8}")

    def show(value: float | None, unit: str) -> str:
        if value is None:
            return "-"
        return format_ns(value) if unit == "ns" else f"{value:.6g}"

    for row in rows:
        rel = "-" if row.rel_change is None else f"{row.rel_change:+.1%}"
        typer.echo(f"{row.metric:<{width}}  {show(row.a, row.unit):>12}  "
                   f"{show(row.b, row.unit):>12}  {show(row.abs_change, row.unit):>12}  {rel:>8}")


@app.command()
def report(run_dir: Annotated[Path, typer.Argument(help="Run folder written by `sim run`.")]
           ) -> None:
    """Rebuild timeline.parquet, plots/*.png and report.html of a run without re-running."""
    from sim.report.html import regenerate

    try:
        path = regenerate(run_dir)
    except SimError as exc:
        fail(str(exc))
    typer.echo(f"wrote {path}")
