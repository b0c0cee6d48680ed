"""Drawing of the report's plots against time: per-component series, latency, zooms.

Every time axis is seconds from the run's start (its UTC time in the axis label),
fault windows are shaded in the same units (with an edge line, so a window far
narrower than a pixel still shows), legends sit outside the axes, and series that
can overlap differ in line style and marker as well as colour. The numbers come from
:mod:`sim.report.plot_data`; nothing here computes a figure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import numpy as np
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from sim.report.plot_data import (
    LATENCY_STATS,
    Grid,
    ZoomWindow,
    latency_over_time,
    normalised_rates,
    run_span,
    seconds_from,
    stamp_rates,
    timeline_grid,
    utc_text,
)
from sim.report.timeline import COMPONENTS

SERIES_STYLES: Final[tuple[tuple[str, str, str], ...]] = (
    ("tab:blue", "-", "o"), ("tab:orange", "--", "s"), ("tab:green", "-.", "^"),
    ("tab:red", ":", "D"), ("tab:purple", "-", "v"), ("tab:brown", "--", "P"),
    ("tab:pink", "-.", "X"), ("tab:gray", ":", "*"), ("tab:olive", "-", "h"),
)
"""(colour, line style, marker) per series, so overlapping lines stay distinguishable."""

STAT_STYLES: Final[dict[str, tuple[str, str]]] = {
    "p50": ("-", "tab:blue"), "p99": ("--", "tab:orange"), "max": (":", "tab:red")}
"""Line style and colour of each per-interval latency statistic."""

FAULT_COLORS: Final[tuple[str, ...]] = ("tab:red", "tab:purple", "tab:olive", "tab:cyan")
MARKERS_PER_LINE: Final[int] = 12
"""Markers drawn along one line (enough to tell series apart, few enough to stay light)."""


def style_of(index: int) -> dict[str, Any]:
    """Keyword arguments giving series ``index`` its colour, line style and marker."""
    color, line, marker = SERIES_STYLES[index % len(SERIES_STYLES)]
    return {"color": color, "linestyle": line, "marker": marker, "markersize": 4}


def legend_outside(axes: Axes, **extra: Any) -> None:
    """A legend to the right of the axes, clear of the data (nothing when no labels)."""
    handles, labels = axes.get_legend_handles_labels()
    handles += extra.get("handles", [])
    labels += extra.get("labels", [])
    if labels:
        axes.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                    fontsize="small", borderaxespad=0.0)


def time_label(summary: Mapping[str, Any]) -> str:
    """The x label of every time axis: seconds from the start, and the start in UTC."""
    return f"seconds from run start (0 = {utc_text(run_span(summary)[0])})"


def fault_bands(axes: Axes, summary: Any, origin_ns: int) -> None:
    """Shade each fault window (seconds from ``origin_ns``), with a line at its start."""
    faults = summary.get("faults", []) if isinstance(summary, Mapping) else []
    for index, fault in enumerate(faults or []):
        color = FAULT_COLORS[index % len(FAULT_COLORS)]
        start = float(seconds_from(origin_ns, int(fault["start_ns"])))
        end = float(seconds_from(origin_ns, int(fault["end_ns"])))
        axes.axvspan(start, end, color=color, alpha=0.15,
                     label=f"fault: {fault['kind']} {fault['subject']}")
        axes.axvline(start, color=color, linewidth=0.8, alpha=0.7)


def _plain(value: float, _: object) -> str:
    """A log-axis tick as a plain number (``40``, not ``4 x 10^1``)."""
    return f"{value:g}"


def _markevery(size: int) -> int:
    return max(size // MARKERS_PER_LINE, 1)


def draw_per_component(axes: Axes, orders: pl.DataFrame, timeline: pl.DataFrame,
                       column: str, label: str, summary: Mapping[str, Any]) -> None:
    """One step line per component of a normalised timeline rate, faults shaded."""
    origin = run_span(summary)[0]
    grid = timeline_grid(timeline, orders)
    fault_bands(axes, summary, origin)
    for index, component in enumerate(COMPONENTS):
        starts, values = normalised_rates(timeline, grid, column, component)
        axes.step(seconds_from(origin, starts), values, where="post", label=component,
                  markevery=_markevery(values.size), **style_of(index))
    axes.set_xlabel(time_label(summary))
    axes.set_ylabel(label)
    axes.grid(True, alpha=0.3)
    legend_outside(axes)


LATENCY_SEGMENTS: Final[tuple[str, ...]] = ("end_to_end", *COMPONENTS)
"""Segments of the latency-over-time plot, one panel each."""


def _draw_latency_stats(axes: Axes, rows: pl.DataFrame, grid: Grid, origin: int) -> None:
    """p50/p99/max per bucket as step lines (a gap where a bucket had no sample)."""
    full = np.full(grid.count, np.nan)
    buckets = rows.get_column("bucket").to_numpy()
    seconds = seconds_from(origin, grid.edges())
    for name, _ in LATENCY_STATS:
        values = full.copy()
        values[buckets] = rows.get_column(name).to_numpy() / 1_000.0
        line, color = STAT_STYLES[name]
        axes.stairs(values, seconds, baseline=None, linestyle=line, color=color, label=name)
    axes.set_yscale("log")
    axes.yaxis.set_major_formatter(FuncFormatter(_plain))
    axes.yaxis.set_minor_formatter(NullFormatter())
    axes.grid(True, which="both", alpha=0.3)


def draw_latency_over_time(figure: Figure, orders: pl.DataFrame, timeline: pl.DataFrame,
                           summary: Mapping[str, Any]) -> None:
    """One panel per segment: p50/p99/max latency per interval, log y, faults shaded."""
    origin = run_span(summary)[0]
    grid = timeline_grid(timeline, orders)
    table = latency_over_time(orders, grid, LATENCY_SEGMENTS)
    panels = figure.subplots(len(LATENCY_SEGMENTS), 1, sharex=True)
    for axes, segment in zip(panels, LATENCY_SEGMENTS, strict=True):
        fault_bands(axes, summary, origin)
        _draw_latency_stats(axes, table.filter(pl.col("segment") == segment), grid, origin)
        axes.set_ylabel(f"{segment} (us)", fontsize="small")
    legend_outside(panels[0])
    panels[-1].set_xlabel(time_label(summary))
    panels[0].set_title("Latency per interval: p50, p99 and max (log scale)")


def draw_zoom(figure: Figure, orders: pl.DataFrame, window: ZoomWindow,
              summary: Mapping[str, Any]) -> None:
    """Latency and throughput around one fault window, the window shaded."""
    origin = run_span(summary)[0]
    grid = window.grid
    latency_axes, rate_axes = figure.subplots(2, 1, sharex=True)
    table = latency_over_time(orders, grid, ("end_to_end",))
    seconds = seconds_from(origin, grid.edges())
    start, end = (float(seconds_from(origin, t)) for t in (window.start_ns, window.end_ns))
    for axes in (latency_axes, rate_axes):
        axes.axvspan(start, end, color=FAULT_COLORS[0], alpha=0.15, label=f"{window.label}")
        axes.axvline(start, color=FAULT_COLORS[0], linewidth=0.8, alpha=0.7)
    _draw_latency_stats(latency_axes, table, grid, origin)
    latency_axes.set_ylabel("end to end (us, log)")
    columns = ("ts_sent_ns", "ts_matching_out_ns", "ts_ack_ns")
    labels = ("sent", "matched", "acknowledged")
    rates = stamp_rates(orders, grid, columns)
    for index, (column, label) in enumerate(zip(columns, labels, strict=True)):
        values = rates[column]
        style = style_of(index)
        rate_axes.stairs(values, seconds, baseline=None, label=f"{label} per s",
                         color=style["color"], linestyle=style["linestyle"])
    rate_axes.set_ylabel("requests per second")
    rate_axes.grid(True, alpha=0.3)
    rate_axes.set_xlabel(time_label(summary))
    rate_axes.set_xlim(seconds[0], float(seconds_from(origin, grid.hi_ns)))
    legend_outside(latency_axes)
    legend_outside(rate_axes)
    latency_axes.set_title(f"Zoom on {window.label}: {start:.6f} s to {end:.6f} s")


def zoom_file_names(windows: Sequence[ZoomWindow]) -> list[str]:
    """``zoom_<n>_<kind>_<subject>.png`` per window, numbered from 1 in fault order."""
    return [f"zoom_{index}_{re.sub(r'[^A-Za-z0-9]+', '_', window.label).strip('_')}.png"
            for index, window in enumerate(windows, start=1)]
