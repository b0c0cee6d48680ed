"""PNG plots of a run, byte-identical on every rerun.

Figures are built with matplotlib's object API (no ``pyplot`` global state) under the
default style, at a fixed size and DPI, with the default DejaVu Sans font, and saved
without the ``Software`` metadata key, so the same tables give the same bytes. Each
file is written to a temporary name in ``plots/`` and renamed into place.

Time plots are drawn by :mod:`sim.report.plot_time` from the figures of
:mod:`sim.report.plot_data` (seconds from the run's start, faults shaded, legends
outside the data); this module holds the registry, the captions, and the plots that
are not against time. Besides :data:`PLOT_CAPTIONS`, a run with faults gets one
``zoom_<n>_<kind>_<subject>.png`` per fault window.

Every plot draws a bounded number of artists: a tail curve keeps at most
:data:`~sim.report.plot_data.TAIL_POINTS` ranks, and per-interval series are one step
line or one filled step band (``fill_between``) per component, over at most
:data:`~sim.report.timeline.MAX_TIMELINE_BUCKETS` intervals. Measured at 10,000
intervals: rejects as one bar per interval took 68 s to draw, as ``stairs`` 4.4 s, as
``fill_between`` 0.4 s.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import matplotlib as mpl
import numpy as np
import polars as pl
import pyarrow as pa
from matplotlib import style
from matplotlib.figure import Figure

from sim.core.vocabulary import Outcome
from sim.report.attribution import HOPS, as_polars, tail_attribution
from sim.report.plot_data import (
    TAIL_PERCENTILES,
    Grid,
    run_span,
    seconds_from,
    tail_curve,
    timeline_grid,
    utc_text,
    zoom_windows,
)
from sim.report.plot_time import (
    FAULT_COLORS,
    draw_latency_over_time,
    draw_per_component,
    draw_zoom,
    fault_bands,
    legend_outside,
    style_of,
    time_label,
    zoom_file_names,
)
from sim.report.summary import NEW_ORDER_LABELS, SEGMENTS, segment_latencies
from sim.report.timeline import COMPONENTS

FIGURE_SIZE: Final[tuple[float, float]] = (8.0, 4.5)
DPI: Final[int] = 100
STAGES: Final[tuple[str, ...]] = ("end_to_end", *COMPONENTS)
__all__ = ["DPI", "FAULT_COLORS", "FIGURE_SIZE", "PLOT_CAPTIONS", "plot_caption", "save_figure",
           "write_plots"]

PLOT_CAPTIONS: Final[dict[str, str]] = {
    "latency_tail.png": "Latency tail per stage (left) and link (right), log-log: the share "
    "of orders at least this slow. Read a budget off the dotted p50 ... p99.99 lines: where a "
    "curve crosses p99 is that segment's p99; a curve bending right is a long tail.",
    "latency_over_time.png": "p50, p99 and max latency per interval, end to end and per stage "
    "(log scale; each sample at the time it entered the segment). A p99 or max spike over a "
    "shaded fault window is that fault's cost; a spike elsewhere is load.",
    "latency_waterfall.png": "Where the time goes: mean and p99 of each link and stage along the "
    "order path (p99s of parts do not add up to the end-to-end p99).",
    "throughput.png": "Completions per second of each component per interval: a dip is a "
    "stall, a flat top a saturated stage.",
    "queue_depth.png": "Mean number of orders waiting in each component's queue per interval: "
    "a queue that grows and does not drain is a stage past its capacity.",
    "utilisation.png": "Busy time over capacity (workers x interval) of each component: near 1 "
    "means no headroom left.",
    "fill_rate.png": "Share of new orders (by send time) that got any fill, and rejects per "
    "second by the stage that rejected them.",
    "tail_attribution.png": "Slowest 1% of orders by end to end, counted by what held them "
    "longest: a fault or failover when one held the order, else the link or stage that took "
    "most of its time. Fix the longest bar first.",
}
"""Every plot file :func:`write_plots` always writes, with the caption the report shows."""

TIME_PLOTS: Final[frozenset[str]] = frozenset(
    {"latency_over_time.png", "throughput.png", "queue_depth.png", "utilisation.png",
     "fill_rate.png"})
"""Plots against time: their captions say where time 0 is and how edge buckets are treated."""

EDGE_NOTE: Final[str] = (" Edge intervals only partly inside the run are scaled to the part "
                         "inside it; one covering under 10% of an interval is dropped.")


def plot_caption(name: str, summary: Mapping[str, Any]) -> str:
    """The caption of plot file ``name`` for this run (zooms and time origins filled in)."""
    origin = f" Time 0 is the run's start, {utc_text(run_span(summary)[0])}."
    if name.startswith("zoom_"):
        return ("The fault window (shaded) and 5 times its length either side, clipped to the "
                "run: end-to-end p50/p99/max of the orders sent in each bucket (top), and "
                "requests sent, matched and acknowledged per second (bottom). Latency rising "
                "and matched falling to zero inside the window is the outage; the width of "
                "the latency hump after it is how long its backlog took to clear." + origin)
    caption = PLOT_CAPTIONS.get(name, name.removesuffix(".png").replace("_", " "))
    if name in TIME_PLOTS:
        caption += (EDGE_NOTE if name != "latency_over_time.png" else "") + origin
    return caption


def _figure(size: tuple[float, float] = FIGURE_SIZE) -> Figure:
    return Figure(figsize=size, dpi=DPI, layout="constrained")


def save_figure(figure: Figure, path: Path) -> Path:
    """Write ``figure`` as PNG to a temporary name, then rename it to ``path``."""
    temporary = path.with_name(f".{path.name}.tmp")
    figure.savefig(temporary, format="png", dpi=DPI, metadata={"Software": None})
    os.replace(temporary, path)
    return path


def _micros(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64) / 1_000.0


def _plot_latency_tail(figure: Figure, orders: pl.DataFrame, _: pl.DataFrame, __: Any) -> None:
    table = orders.to_arrow()
    left, right = figure.subplots(1, 2, sharey=True)
    lowest = 1e-4
    p50s = [float("inf"), float("inf")]
    groups = ((left, STAGES, "end to end and stages"),
              (right, tuple(s for s in SEGMENTS if s.startswith("link.")), "links"))
    for side, (axes, segments, title) in enumerate(groups):
        for index, segment in enumerate(segments):
            curve = tail_curve(segment_latencies(table, segment))
            if curve is None:
                continue
            p50s[side] = min(p50s[side], max(curve.percentiles_ns["p50"], 1))
            lowest = min(lowest, float(curve.share[-1]))
            style = style_of(index)
            axes.step(np.maximum(_micros(curve.values_ns), 1e-3), curve.share, where="post",
                      label=segment.removeprefix("link."), markevery=0.1, **style)
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("latency (us, log scale)")
        axes.set_title(f"Tail: {title}")
        axes.grid(True, which="major", alpha=0.3)
        for quantile in (q for _label, q in TAIL_PERCENTILES):
            axes.axhline(1 - quantile, color="0.4", linestyle=":", linewidth=0.8)
        if axes.get_legend_handles_labels()[1]:
            axes.legend(loc="lower left", fontsize="small")
    for axes, lowest_p50 in ((left, p50s[0]), (right, p50s[1])):
        if lowest_p50 < float("inf"):
            axes.set_xlim(left=max(lowest_p50 / 1_000.0 / 10.0, 1e-3))
    left.set_ylabel("share of orders at least this slow")
    left.set_ylim(lowest * 0.5, 1.05)
    ticks = [1 - q for _, q in TAIL_PERCENTILES]
    left.set_yticks(ticks, [f"{label} ({1 - q:.4g})" for label, q in TAIL_PERCENTILES])
    left.minorticks_off()
    right.minorticks_off()


def _plot_latency_over_time(figure: Figure, orders: pl.DataFrame, timeline: pl.DataFrame,
                            summary: Any) -> None:
    draw_latency_over_time(figure, orders, timeline, summary)


def _plot_waterfall(figure: Figure, _: pl.DataFrame, __: pl.DataFrame, summary: Any) -> None:
    axes = figure.add_subplot()
    latency: Mapping[str, Mapping[str, float]] = summary.get("latency_ns", {})
    names = [*HOPS, "end_to_end"]
    positions = np.arange(len(names))
    for offset, stat, color in ((-0.2, "mean", "tab:blue"), (0.2, "p99", "tab:orange")):
        values = _micros(np.array([float(latency.get(n, {}).get(stat, 0.0)) for n in names]))
        lefts = np.concatenate(([0.0], np.cumsum(values[:-2]), [0.0]))
        axes.barh(positions + offset, values, height=0.38, left=lefts, color=color, label=stat,
                  hatch="//" if stat == "p99" else None)
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    axes.set_xlabel("latency (us); bars start where the previous hop ended")
    axes.set_title("Latency waterfall: mean and p99 per link and stage")
    legend_outside(axes)


def _per_component(column: str, label: str, title: str) -> PlotFunction:
    def draw(figure: Figure, orders: pl.DataFrame, timeline: pl.DataFrame, summary: Any) -> None:
        axes = figure.add_subplot()
        draw_per_component(axes, orders, timeline, column, label, summary)
        axes.set_title(title)
    return draw


def fill_rates(orders: pl.DataFrame, grid: Grid) -> np.ndarray:
    """Per bucket, the share of new orders sent in it with any fill (NaN: none sent)."""
    new = orders.filter(
        pl.col("action").is_in(sorted(NEW_ORDER_LABELS)) & pl.col("ts_sent_ns").is_not_null()
    )
    sent = new.get_column("ts_sent_ns").cast(pl.Int64).to_numpy()
    filled = new.get_column("outcome").is_in([Outcome.FILLED.label, Outcome.PARTIAL.label])
    bucket = np.clip((sent - grid.start_ns) // grid.width_ns, 0, grid.count - 1)
    totals = np.bincount(bucket, minlength=grid.count).astype(np.float64)
    hits = np.bincount(bucket[filled.to_numpy()], minlength=grid.count).astype(np.float64)
    rate: np.ndarray = np.divide(hits, totals, out=np.full_like(totals, np.nan),
                                 where=totals > 0)
    return rate


def _plot_fill_rate(figure: Figure, orders: pl.DataFrame, timeline: pl.DataFrame,
                    summary: Any) -> None:
    axes = figure.add_subplot()
    origin = run_span(summary)[0]
    grid = timeline_grid(timeline, orders)
    fault_bands(axes, summary, origin)
    keep = grid.kept()
    seconds = seconds_from(origin, grid.edges())
    rate = np.where(keep, fill_rates(orders, grid), np.nan)
    axes.stairs(rate, seconds, baseline=None, color="tab:green", label="fill rate", linewidth=1.5)
    axes.set_ylim(0.0, 1.05)
    axes.set_xlabel(time_label(summary))
    axes.set_ylabel("fill rate")
    rejects_axes = axes.twinx()
    covered = grid.covered_ns().astype(np.float64)
    bottom = np.zeros(grid.count)
    for index, component in enumerate(COMPONENTS):  # one filled band per component
        rows = timeline.filter(pl.col("component") == component).sort("interval_start_ns")
        counts = rows.get_column("rejects").to_numpy().astype(np.float64)
        per_s = np.divide(counts * 1e9, covered, out=np.zeros_like(counts), where=covered > 0)
        top = bottom + np.where(keep, per_s, 0.0)
        rejects_axes.fill_between(seconds, np.append(bottom, bottom[-1:]),
                                  np.append(top, top[-1:]), step="post", alpha=0.35,
                                  hatch=("..", "//", "xx")[index % 3],
                                  label=f"rejects at {component}")
        bottom = top
    rejects_axes.set_ylabel("rejects per second")
    axes.set_title("Fill rate and rejects over time")
    extra = rejects_axes.get_legend_handles_labels()
    legend_outside(axes, handles=extra[0], labels=extra[1])


def _plot_tail_attribution(figure: Figure, orders: pl.DataFrame, _: pl.DataFrame,
                           summary: Any) -> None:
    axes = figure.add_subplot()
    table = tail_attribution(orders, faults=summary.get("faults", []) or [])
    names = table.column("component").to_pylist()
    counts = table.column("orders").to_pylist()
    positions = np.arange(len(names))
    colors = ["tab:purple" if name not in (*HOPS, "unattributed") else "tab:red"
              for name in names]
    axes.barh(positions, counts, color=colors)
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    axes.set_xlabel("tail orders held longest by it")
    axes.set_title("Tail attribution: slowest 1% of orders by what held them")


ZOOMS_AFTER: Final[str] = "latency_over_time.png"
"""The plot the per-fault zooms follow in the report."""

PlotFunction = Callable[[Figure, pl.DataFrame, pl.DataFrame, Any], None]

_PLOTS: Final[dict[str, tuple[PlotFunction, tuple[float, float]]]] = {
    "latency_tail.png": (_plot_latency_tail, (10.0, 4.8)),
    "latency_over_time.png": (_plot_latency_over_time, (9.0, 8.0)),
    "latency_waterfall.png": (_plot_waterfall, FIGURE_SIZE),
    "throughput.png": (_per_component("throughput_per_s", "completions per second",
                                      "Throughput per component"), FIGURE_SIZE),
    "queue_depth.png": (_per_component("queue_depth_mean", "mean orders waiting",
                                       "Queue depth per component"), FIGURE_SIZE),
    "utilisation.png": (_per_component("utilisation", "utilisation (0-1)",
                                       "Utilisation per component"), FIGURE_SIZE),
    "fill_rate.png": (_plot_fill_rate, FIGURE_SIZE),
    "tail_attribution.png": (_plot_tail_attribution, FIGURE_SIZE),
}


def write_plots(
    run_dir: Path,
    orders: pl.DataFrame | pa.Table,
    timeline: pl.DataFrame | pa.Table,
    summary: Mapping[str, Any],
) -> list[Path]:
    """Draw every plot of :data:`PLOT_CAPTIONS`, and a zoom per fault, into ``run_dir/plots/``.

    Args:
        run_dir: the run folder; ``plots/`` is created inside it.
        orders: the run's ``orders.parquet`` table.
        timeline: the table :func:`sim.report.timeline.build_timeline` returns.
        summary: the run's ``summary.json`` content.

    Returns:
        The written PNG paths in :data:`PLOT_CAPTIONS` order, the zooms (in fault order)
        right after :data:`ZOOMS_AFTER`, so a fault's cost is seen near the top.
    """
    plot_dir = Path(run_dir) / "plots"
    plot_dir.mkdir(parents=True, exist_ok=True)
    order_frame, timeline_frame = as_polars(orders), as_polars(timeline)
    written = []
    windows = zoom_windows(summary)
    for stale in (*plot_dir.glob("zoom_*.png"), plot_dir / "latency_cdf.png"):
        stale.unlink(missing_ok=True)  # from an earlier build of this folder
    with style.context("default"), mpl.rc_context({"font.family": ["DejaVu Sans"]}):
        for name, (draw, size) in _PLOTS.items():
            figure = _figure(size)
            draw(figure, order_frame, timeline_frame, summary)
            written.append(save_figure(figure, plot_dir / name))
            if name != ZOOMS_AFTER:
                continue
            for window, zoom_name in zip(windows, zoom_file_names(windows), strict=True):
                figure = _figure((9.0, 6.0))
                draw_zoom(figure, order_frame, window, summary)
                written.append(save_figure(figure, plot_dir / zoom_name))
    return written
