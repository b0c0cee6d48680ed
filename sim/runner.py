"""Run a scenario end to end: validate inputs, simulate, summarise, write the run folder.

This is the one place that joins the layers (data -> model -> report); the CLI
and the tests call ``run_scenario``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.data.events import EventColumns
from sim.data.reader import SourceInfo, inspect_source, iter_event_batches
from sim.data.schema import BOOK_L2
from sim.data.volume import check_order_capacity, compress_batches, replicate_batches
from sim.errors import ScenarioError
from sim.model.l2_reader import check_l2_scenario, iter_l2_batches
from sim.model.platform import RunResult, run_platform
from sim.outputs import check_run_destination
from sim.report.failover import failover_summary, failovers, outage_window
from sim.report.html import regenerate
from sim.report.impact import injected_impact
from sim.report.summary import SCHEMA_VERSION, summarize
from sim.report.writer import package_versions, run_digest, write_run_folder
from sim.scenario.faults import FailoverFault, fault_subject
from sim.scenario.inject import check_injections
from sim.scenario.schema import Scenario, VolumeMode, check_scenario_faults

DEFAULT_REPORTS_ROOT = Path("reports")
LABEL_MAX_CHARS = 96
"""Longest overrides part of a default run folder name (file systems allow 255 bytes)."""
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+,@-]+")


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """Where a run was written and what it found."""

    run_dir: Path
    summary: dict[str, Any]
    result: RunResult


def inspect_inputs(scenario: Scenario) -> list[SourceInfo]:
    """Validate every source before simulated time starts; check price scales agree."""
    infos = []
    for source in scenario.data.sources:
        info = inspect_source(source.path)
        if info.price_scale != scenario.price_scale:
            raise ScenarioError(
                f"data.sources[{source.name}]: {source.path} has price_scale "
                f"{info.price_scale} but the scenario says price_scale = {scenario.price_scale}"
            )
        infos.append(info)
    volume = scenario.data.volume
    check_order_capacity(sum(info.rows for info in infos),
                         volume.multiplier if volume.mode is VolumeMode.REPLICATE else 1)
    check_l2_scenario(scenario, infos)
    _check_selection(scenario, infos)
    _check_injections(scenario, infos)
    if scenario.faults:
        check_scenario_faults(scenario, _span(scenario, infos))
    return infos


def _check_selection(scenario: Scenario, infos: list[SourceInfo]) -> None:
    """``data.symbols``, ``data.offset`` and ``data.duration`` must select at least one event.

    Otherwise the run would be an empty simulation that exits 0; the error says what the
    data holds (its symbols, its span) so the key can be fixed.
    """
    from sim.units import format_ns

    data = scenario.data
    held = sorted({symbol for info in infos for symbol in info.symbols})
    missing = [symbol for symbol in data.symbols if symbol not in held]
    if missing:
        raise ScenarioError(
            f"{scenario.source}: data.symbols: {missing[0]!r} is in no source; the data holds "
            f"{', '.join(held) or 'no symbols'}; use those or leave data.symbols out for all"
        )
    first_ns = min(info.first_ts_ns for info in infos)
    span_ns = max(info.last_ts_ns for info in infos) - first_ns
    if data.offset > span_ns:
        raise ScenarioError(
            f"{scenario.source}: data.offset: {format_ns(data.offset)} is past the end of the "
            f"data, which spans {format_ns(span_ns)} ({span_ns} ns) from its first event; "
            "use a smaller offset"
        )
    start_ns, end_ns = _window(scenario, infos)
    if not any(_selects_an_event(info, tuple(data.symbols), start_ns, end_ns) for info in infos):
        given = {"symbols": data.symbols, "offset": data.offset, "duration": data.duration}
        keys = ", ".join(f"data.{key}" for key, value in given.items() if value)
        length = "to the end" if data.duration is None else f"for {format_ns(data.duration)}"
        raise ScenarioError(
            f"{scenario.source}: {keys or 'data'}: the window from {format_ns(data.offset)} "
            f"{length} selects no events{' of ' + ', '.join(data.symbols) if data.symbols else ''}"
            f"; the data spans {format_ns(span_ns)} ({span_ns} ns) with symbols "
            f"{', '.join(held)}; widen the window"
        )


def _selects_an_event(info: SourceInfo, symbols: tuple[str, ...], start_ns: int,
                      end_ns: int | None) -> bool:
    """Whether the source has an event in the window (reads only up to the first one)."""
    batches = _batches(info, symbols, start_ns, end_ns)
    return any(len(batch) for batch in batches)


def _batches(info: SourceInfo, symbols: tuple[str, ...], start_ns: int, end_ns: int | None
             ) -> Iterator[EventColumns]:
    """A source's events in the window: L3 rows, or an L2 file's levels and trades."""
    if info.book == BOOK_L2:
        return iter_l2_batches(info, symbols=symbols, start_ns=start_ns, end_ns=end_ns)
    return iter_event_batches(info, symbols=symbols, start_ns=start_ns, end_ns=end_ns)


def _span(scenario: Scenario, infos: list[SourceInfo]) -> int:
    """Length of the replayed data window in simulated ns (after volume compression)."""
    start_ns, end_ns = _window(scenario, infos)
    if end_ns is None:
        end_ns = max(info.last_ts_ns for info in infos)
    span_ns = max(0, end_ns - start_ns)
    volume = scenario.data.volume
    if volume.mode is VolumeMode.COMPRESS:
        span_ns //= volume.multiplier
    return span_ns


def _check_injections(scenario: Scenario, infos: list[SourceInfo]) -> None:
    """Injected orders must name a replayed symbol and fall inside the data window."""
    if not scenario.inject:
        return
    symbols = {symbol for info in infos for symbol in info.symbols}
    if scenario.data.symbols:
        symbols &= set(scenario.data.symbols)
    check_injections(scenario.inject, symbols, _span(scenario, infos))


def fault_windows(scenario: Scenario, origin_ns: int,
                  components: dict[str, dict[str, int]] | None = None) -> list[dict[str, Any]]:
    """Each fault with its window ``[start_ns, end_ns)`` in absolute simulated ns.

    A failover's window is its outage ``[failed_at_ns, outage_end_ns)``, taken from the
    run's ``failover.<target>`` counters in ``components``; without them it is left out.
    """
    outages = failovers(components or {})
    windows = []
    for fault in scenario.faults:
        entry: dict[str, Any] = {"kind": fault.kind, "subject": fault_subject(fault),
                                 **fault.model_dump(mode="json", exclude={"kind", "at"})}
        if isinstance(fault, FailoverFault):
            if fault.target not in outages:
                continue
            entry["start_ns"], entry["end_ns"] = outage_window(outages[fault.target])
        else:
            entry["start_ns"] = origin_ns + fault.at
            entry["end_ns"] = origin_ns + fault.at + fault.duration
        windows.append(entry)
    return windows


def run_folder_name(name: str, overrides: Sequence[str], digest: str) -> str:
    """``<name>+<key>=<value>+...-<digest8>``: a default run folder that says what was set.

    Characters unsafe in file names become ``_``; the overrides part is cut at
    ``LABEL_MAX_CHARS`` (ending in ``~``), and the digest keeps names distinct.
    """
    label = "".join(f"+{_UNSAFE.sub('_', override.strip())}" for override in overrides)
    if len(label) > LABEL_MAX_CHARS:
        label = label[:LABEL_MAX_CHARS - 1] + "~"
    return f"{name}{label}-{digest[:8]}"


def run_identity(scenario: Scenario, infos: list[SourceInfo]
                 ) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """The canonical resolved scenario, its inputs and the run id (hash of both, 16 hex).

    Known before the run: a sweep matches finished runs to its points by this id.
    """
    resolved = canonical_scenario(scenario)
    inputs = [
        {"name": source.name, "file": info.path.name, "rows": info.rows,
         "fingerprint": info.fingerprint, "symbols": list(info.symbols)}
        for source, info in zip(scenario.data.sources, infos, strict=True)
    ]
    run_id = hashlib.sha256(json.dumps([resolved, inputs], sort_keys=True).encode()
                            ).hexdigest()[:16]
    return resolved, inputs, run_id


def _window(scenario: Scenario, infos: list[SourceInfo]) -> tuple[int, int | None]:
    """The data window ``[start, end)`` in the data's own (uncompressed) times."""
    start = min(info.first_ts_ns for info in infos) + scenario.data.offset
    duration = scenario.data.duration
    return start, (start + duration if duration is not None else None)


def component_figures(stats: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Per-component counters keyed by short name (``gateway``, ``link.market_data``)."""
    return {name.removeprefix("stage."): dict(figures) for name, figures in sorted(stats.items())}


def canonical_scenario(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario as JSON data, with every file path reduced to its file name.

    Paths differ between machines (sources, empirical latency files); the data's
    identity is its fingerprint, and what a latency file holds shows in the run's tables.
    """
    resolved: dict[str, Any] = _file_names(scenario.model_dump(mode="json"))
    return resolved


def _file_names(node: Any) -> Any:
    """``node`` with the value of every ``path`` key reduced to its file name."""
    if isinstance(node, dict):
        return {key: Path(value).name if key == "path" and isinstance(value, str)
                else _file_names(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_file_names(item) for item in node]
    return node


def _scaled(scenario: Scenario, batches: Iterator[EventColumns],
            origin_ns: int) -> Iterator[EventColumns]:
    """Apply ``data.volume`` to one source's windowed batches (compress around the window start)."""
    volume = scenario.data.volume
    if volume.multiplier == 1:
        return batches
    if volume.mode is VolumeMode.REPLICATE:
        return replicate_batches(batches, volume.multiplier)
    return compress_batches(batches, volume.multiplier, origin_ns)


def _limited(batches: Iterator[EventColumns], max_events: int | None
             ) -> Iterator[EventColumns]:
    """Stop a source after ``max_events`` events (``data.max_events``; None: no limit)."""
    if max_events is None:
        yield from batches
        return
    left = max_events
    for batch in batches:
        if left <= 0:
            return
        part = batch.head(left)
        left -= len(part)
        yield part


def simulate(scenario: Scenario, infos: list[SourceInfo],
             progress: Callable[[int], None] | None = None) -> RunResult:
    """Run the platform model over the validated sources."""
    start_ns, end_ns = _window(scenario, infos)
    symbols = tuple(scenario.data.symbols)
    feeds: dict[str, Iterator[EventColumns]] = {
        source.name: _scaled(scenario, _limited(
            _batches(info, symbols, start_ns, end_ns), scenario.data.max_events), start_ns)
        for source, info in zip(scenario.data.sources, infos, strict=True)
    }
    volume = scenario.data.volume
    copies = volume.multiplier if volume.mode is VolumeMode.REPLICATE else 1
    capacity = sum(info.rows for info in infos) * copies
    if scenario.engine == "fast":  # refuses, in one line, what it cannot compute exactly
        from sim.fast.engine import run_fast
        return run_fast(scenario, feeds, capacity, progress=progress, origin_ns=start_ns)
    return run_platform(scenario, feeds, capacity, progress=progress, inject_origin_ns=start_ns)


def run_scenario(
    scenario: Scenario,
    *,
    out_dir: Path | None = None,
    reports_root: Path = DEFAULT_REPORTS_ROOT,
    progress: Callable[[int], None] | None = None,
    write_report: bool = True,
    force: bool = False,
    overrides: Sequence[str] = (),
) -> RunOutcome:
    """Simulate ``scenario`` and write its run folder (default ``reports/<name>-<digest8>``).

    With ``write_report`` the folder also gets ``timeline.parquet``, ``plots/`` and
    ``report.html``, built inside the temporary folder before it is moved into place.
    ``overrides`` (the ``--set`` options it was loaded with) name the default folder
    (:func:`run_folder_name`). ``progress`` gets each feed's rows per input batch.
    An ``out_dir`` that may not be replaced (``sim.outputs``; ``force`` widens it) is
    refused before simulated time starts.
    """
    inputs_used = [source.path for source in scenario.data.sources]
    if out_dir is not None:
        check_run_destination(out_dir, force=force, protected=inputs_used)
    infos = inspect_inputs(scenario)
    result = simulate(scenario, infos, progress)
    resolved, inputs, run_id = run_identity(scenario, infos)
    tables = {"orders": result.orders, "fills": result.fills,
              **{f"strategy_{name}": table for name, table in result.strategies.items()}}
    digest = run_digest(resolved, inputs, tables)
    headline = summarize(result.orders, sim_start_ns=result.sim_start_ns,
                         sim_end_ns=result.sim_end_ns)
    summary: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "scenario_name": scenario.name,
        "digest": digest,
        "run_id": run_id,
        **headline,
        "components": component_figures(result.components),
        "events": {"processed": result.events_processed,
                   "direct_applied": result.direct_events_applied,
                   "scheduled": result.scheduled_events},
        **({"injected": injected_impact(result.orders, result.fills,
                                        scenario.report.tick_size, scenario.inject)}
           if scenario.inject else {}),
        **({"faults": fault_windows(scenario, _window(scenario, infos)[0], result.components)}
           if scenario.faults else {}),
        **failover_summary(result.orders, result.components, headline["orders"]["lost"]),
        "input": inputs,
        "overrides": list(overrides),
        "scenario": resolved,
        "versions": package_versions(),
    }
    destination = out_dir or reports_root / run_folder_name(scenario.name, overrides, digest)
    interval_ns = scenario.report.timeline_interval
    run_dir = write_run_folder(
        destination, tables, summary,
        extra=((lambda folder: regenerate(folder, interval_ns, orders=result.orders))
               if write_report else None),
        force=force, protected=inputs_used,
    )
    return RunOutcome(run_dir, summary, result)
