"""``sim check``, ``sim diff`` and ``sim report``: budgets, comparisons, report rebuilding.

Exit codes follow the CLI's rule: 0 every check holds, 1 a check failed, 2 bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sim.cli.base import EXIT_CHECK_FAILED, app, emit, fail
from sim.errors import UnitError
from sim.outputs import check_file_destination, write_text_file
from sim.report.run_folder import read_summary
from sim.units import format_ns, parse_duration_ns

if TYPE_CHECKING:
    from sim.report.compare import Tolerance


def parse_tolerance(texts: list[str]) -> Tolerance:
    """``["10%"]``, ``["0.1"]``, ``["2us"]`` or one of each -> a :class:`Tolerance`.

    No ``--tolerance`` is 10 %; anything unreadable, negative or given twice is bad input.
    """
    from sim.report.compare import Tolerance

    if not texts:
        return Tolerance(relative=0.1)
    relative: Decimal | None = None
    absolute: int | None = None
    for text in texts:
        if text.strip()[-1:].isalpha():  # a duration: 2us, 500ns, 1ms
            if absolute is not None:
                fail(f"--tolerance {text!r}: give at most one duration")
            absolute = _absolute_tolerance(text)
            continue
        if relative is not None:
            fail(f"--tolerance {text!r}: give at most one percentage or fraction")
        relative = _relative_tolerance(text)
    return Tolerance(relative=float(relative or 0), absolute_ns=absolute or 0)


def _relative_tolerance(text: str) -> Decimal:
    try:
        value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        fail(f"--tolerance {text!r}: write a percentage such as 10%, a fraction such as 0.1 "
             "or a duration such as 2us")
    if not value.is_finite() or value < 0:
        fail(f"--tolerance {text!r} must be a finite number, not negative")
    return value


def _absolute_tolerance(text: str) -> int:
    try:
        value = parse_duration_ns(text)
    except UnitError as exc:
        fail(f"--tolerance {text!r}: {exc}")
    if value < 0:
        fail(f"--tolerance {text!r} must not be negative")
    return value


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


def _same_input(reference: dict[str, Any] | None, inputs: list[dict[str, Any]],
                baseline: Path | None, allowed: bool) -> None:
    """Refuse a baseline that read other input files, unless ``--allow-different-input``."""
    from sim.report.compare import BaselineError, input_difference

    difference = None if reference is None or allowed else input_difference(reference, inputs)
    if difference is not None:
        raise BaselineError(f"--baseline {baseline}: {difference}; compare runs of the same "
                            "data, or pass --allow-different-input")


@dataclass(frozen=True)
class _Baseline:
    """``--baseline``: its folder, its summary, and whether other input data is allowed."""

    folder: Path | None
    summary: dict[str, Any] | None
    allow_different_input: bool

    def check_inputs(self, inputs: list[dict[str, Any]]) -> None:
        """Refuse a baseline that read other input files, unless allowed."""
        _same_input(self.summary, inputs, self.folder, self.allow_different_input)


def _run_and_summarize(scenario: Path, set_: list[str], budget_file: Any, out: Path | None,
                       force: bool, baseline: _Baseline) -> tuple[dict[str, Any], Path]:
    """Load the scenario, refuse budget lines it cannot satisfy and a foreign baseline, run it.

    The run folder is written without its report: :func:`check` builds it once the
    verdicts are known, so the report opens with them.
    """
    from sim.data.reader import file_fingerprint
    from sim.report.budget import check_failover_lines, scenario_budget
    from sim.runner import run_scenario
    from sim.scenario import load_scenario
    from sim.scenario.loader import resolve_scenario_name

    scenario = resolve_scenario_name(scenario)  # a bundled name: its file, for budget lines
    loaded = load_scenario(scenario, set_)
    lines = budget_file or scenario_budget(loaded.budget, scenario)  # names file:line
    has_failover = any(fault.kind == "failover" for fault in loaded.faults)
    check_failover_lines(lines, has_failover)  # before a run that could not pass
    inputs = [{"name": source.name, "file": source.path.name,
               "fingerprint": file_fingerprint(source.path)} for source in loaded.data.sources]
    baseline.check_inputs(inputs)  # before a run that could not be compared
    outcome = run_scenario(loaded, out_dir=out, force=force, overrides=set_, write_report=False)
    return outcome.summary, outcome.run_dir


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
    tolerance: Annotated[list[str] | None, typer.Option(
        help="Allowed regression vs --baseline: 10%, 0.1 or a duration such as 2us "
             "(one of each may be given; default 10%).")] = None,
    metrics: Annotated[list[str] | None, typer.Option(
        "--metrics", help="Compare only the figures matching this glob (e.g. '*.p99'); "
                          "repeatable.")] = None,
    allow_different_input: Annotated[bool, typer.Option(
        "--allow-different-input", help="Compare with a --baseline that read other input "
                                        "files.")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override: KEY.PATH=VALUE.")]
    = None,
    out: Annotated[Path | None, typer.Option(help="Run folder for the run.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out even when it is not a "
                                        "previous run folder.")] = False,
) -> None:
    """Hold a run to its latency budget; exit 0 when every line holds, 1 when any fails."""
    from sim.report.budget import load_budget
    from sim.report.compare import check_regressions

    if (scenario is None) == (run_dir is None):
        fail("give a SCENARIO to run or --run RUN_DIR to check, not both")
    # Everything that can be bad input is checked before any simulation.
    for target in (junit, markdown):
        if target is not None:
            check_file_destination(target)
    allowed = parse_tolerance(list(tolerance or []))
    patterns = list(metrics or [])
    budget_file = load_budget(budget) if budget is not None else None
    reference = _read_baseline(baseline, patterns)
    against = _Baseline(baseline, reference, allow_different_input)
    written: Path | None = None  # the run folder this check made, whose report it writes
    if run_dir is not None:
        summary = read_summary(run_dir)
        against.check_inputs(summary.get("input", []))
        source = f"{run_dir}/summary.json [budget]"
    else:
        assert scenario is not None
        summary, written = _run_and_summarize(scenario, list(set_ or []), budget_file, out,
                                              force, against)
        source = f"{scenario} [budget]"
    results = _budget_results(summary, budget, source, required=reference is None)
    if reference is not None:
        results += check_regressions(reference, summary, allowed, patterns)
    if written is not None:
        from sim.report.html import regenerate

        regenerate(written, verdicts=results)
    _report(results, summary, junit, markdown)


def _read_baseline(baseline: Path | None, patterns: list[str]) -> dict[str, Any] | None:
    """The --baseline summary, with every --metrics pattern matching one of its figures."""
    from sim.report.compare import check_patterns, regression_metrics

    if baseline is None:
        if patterns:
            fail("--metrics filters the comparison with --baseline; give --baseline RUN_DIR")
        return None
    reference = read_summary(baseline)
    check_patterns(patterns, regression_metrics(reference))
    return reference


def _report(results: list[Any], summary: dict[str, Any], junit: Path | None,
            markdown: Path | None) -> None:
    """Print every result and the totals, write --junit / --markdown, exit 1 on a failure."""
    from sim.report.check_format import junit_xml, markdown_table

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
    metrics: Annotated[list[str] | None, typer.Option(
        "--metrics", help="Show only the figures matching this glob (e.g. 'gateway.*'); "
                          "repeatable.")] = None,
) -> None:
    """Side-by-side table of every headline figure with absolute and relative change."""
    from sim.report.compare import check_patterns, diff_summaries

    first, second = read_summary(run_a), read_summary(run_b)
    patterns = list(metrics or [])
    check_patterns(patterns, [row.metric for row in diff_summaries(first, second)])
    rows = diff_summaries(first, second, patterns)
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


