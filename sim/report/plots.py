"""PNG plots of a run, byte-identical on every rerun.

Figures are built with matplotlib's object API (no ``pyplot`` global state) under the
default style, at a fixed size and DPI, with the default DejaVu Sans font, and saved
without the ``Software`` metadata key, so the same tables give the same bytes. Each
file is written to a temporary name in ``plots/`` and renamed into place.

Every plot draws a bounded number of artists: the CDF keeps at most
:data:`CDF_POINTS` ranks, and per-interval series are one step line or one filled
step band (``fill_between``) per component, over at most
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
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.core.vocabulary import Outcome
from sim.report.attribution import HOPS, as_polars, tail_attribution
from sim.report.summary import NEW_ORDER_LABELS, segment_latencies
from sim.report.timeline import COMPONENTS

FIGURE_SIZE: Final[tuple[float, float]] = (8.0, 4.5)
DPI: Final[int] = 100
CDF_POINTS: Final[int] = 2_000
STAGES: Final[tuple[str, ...]] = ("end_to_end", *COMPONENTS)

PLOT_CAPTIONS: Final[dict[str, str]] = {
    "latency_cdf.png": "Latency CDF per stage (log time axis): the further right a curve's top "
    "reaches, the longer that stage's tail.",
    "latency_waterfall.png": "Where the time goes: mean and p99 of each link and stage along the "
    "order path (p99s of parts do not add up to the end-to-end p99).",
    "throughput.png": "Completions per second of each component over simulated time.",
    "queue_depth.png": "Mean number of orders waiting in each component's queue per interval.",
    "utilisation.png": "Busy time over capacity (workers x interval) of each component.",
    "fill_rate.png": "Share of new orders (by send time) that got any fill, and rejects per "
    "interval by the stage that rejected them.",
    "tail_attribution.png": "Slowest 1% of orders by end to end, counted by the link or stage "
    "that took most of their time.",
}
"""Every plot file :func:`write_plots` writes, with the caption the HTML report shows."""


def _figure() -> Figure:
    return Figure(figsize=FIGURE_SIZE, dpi=DPI, layout="constrained")


def save_figure(figure: Figure, path: Path) -> Path:
    """Write ``figure`` as PNG to a temporary name, then rename it to ``path``."""
    temporary = path.with_name(f".{path.name}.tmp")
    figure.savefig(temporary, format="png", dpi=DPI, metadata={"Software": None})
    os.replace(temporary, path)
    return path


def _micros(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.float64) / 1_000.0


def _plot_latency_cdf(axes: Axes, orders: pl.DataFrame, _: pl.DataFrame, __: Any) -> None:
    table = orders.to_arrow()
    for stage in STAGES:
        samples = np.sort(segment_latencies(table, stage))
        if samples.size == 0:
            continue
        fraction = np.arange(1, samples.size + 1) / samples.size
        if samples.size > CDF_POINTS:  # keep big runs quick to draw: evenly spaced ranks
            keep = np.unique(np.linspace(0, samples.size - 1, CDF_POINTS).astype(np.int64))
            samples, fraction = samples[keep], fraction[keep]
        axes.step(np.maximum(_micros(samples), 1e-3), fraction, where="post", label=stage)
    axes.set_xscale("log")
    axes.set_xlabel("latency (us, log scale)")
    axes.set_ylabel("fraction of orders")
    axes.set_title("Latency CDF per stage")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(loc="lower right")


def _plot_waterfall(axes: Axes, _: pl.DataFrame, __: pl.DataFrame, summary: Any) -> None:
    latency: Mapping[str, Mapping[str, float]] = summary.get("latency_ns", {})
    names = [*HOPS, "end_to_end"]
    positions = np.arange(len(names))
    for offset, stat, color in ((-0.2, "mean", "tab:blue"), (0.2, "p99", "tab:orange")):
        values = _micros(np.array([float(latency.get(n, {}).get(stat, 0.0)) for n in names]))
        lefts = np.concatenate(([0.0], np.cumsum(values[:-2]), [0.0]))
        axes.barh(positions + offset, values, height=0.38, left=lefts, color=color, label=stat)
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    axes.set_xlabel("latency (us); bars start where the previous hop ended")
    axes.set_title("Latency waterfall: mean and p99 per link and stage")
    axes.legend(loc="center right")


FAULT_COLORS: Final[tuple[str, ...]] = ("tab:red", "tab:purple", "tab:olive", "tab:cyan")


def _fault_bands(axes: Axes, summary: Any) -> None:
    """Shade each fault window of ``summary["faults"]`` (absent without faults: no change)."""
    faults = summary.get("faults", []) if isinstance(summary, Mapping) else []
    for index, fault in enumerate(faults):
        axes.axvspan(
            int(fault["start_ns"]) / 1e9,
            int(fault["end_ns"]) / 1e9,
            color=FAULT_COLORS[index % len(FAULT_COLORS)],
            alpha=0.15,
            label=f"fault: {fault['kind']} {fault['subject']}",
        )


def _per_component(
    axes: Axes, timeline: pl.DataFrame, column: str, label: str, summary: Any = None
) -> None:
    _fault_bands(axes, summary)
    for component in COMPONENTS:
        rows = timeline.filter(pl.col("component") == component)
        seconds = rows.get_column("interval_start_ns").to_numpy() / 1e9
        axes.step(seconds, rows.get_column(column).to_numpy(), where="post", label=component)
    axes.set_xlabel("simulated time (s)")
    axes.set_ylabel(label)
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper right")


def _plot_throughput(axes: Axes, _: pl.DataFrame, timeline: pl.DataFrame, summary: Any) -> None:
    _per_component(axes, timeline, "throughput_per_s", "completions per second", summary)
    axes.set_title("Throughput per component")


def _plot_queue_depth(axes: Axes, _: pl.DataFrame, timeline: pl.DataFrame, summary: Any) -> None:
    _per_component(axes, timeline, "queue_depth_mean", "mean orders waiting", summary)
    axes.set_title("Queue depth per component")


def _plot_utilisation(axes: Axes, _: pl.DataFrame, timeline: pl.DataFrame, summary: Any) -> None:
    _per_component(axes, timeline, "utilisation", "utilisation (0-1)", summary)
    axes.set_title("Utilisation per component")


def _plot_fill_rate(axes: Axes, orders: pl.DataFrame, timeline: pl.DataFrame,
                    summary: Any) -> None:
    _fault_bands(axes, summary)
    first = timeline.filter(pl.col("component") == COMPONENTS[0])
    edges = first.get_column("interval_start_ns").to_numpy()
    interval_ns = int(first.get_column("interval_end_ns")[0] - edges[0]) if edges.size else 1
    new = orders.filter(
        pl.col("action").is_in(sorted(NEW_ORDER_LABELS)) & pl.col("ts_sent_ns").is_not_null()
    )
    sent = new.get_column("ts_sent_ns").to_numpy()
    filled_any = [Outcome.FILLED.label, Outcome.PARTIAL.label]
    filled = new.get_column("outcome").is_in(filled_any).to_numpy()
    bucket = np.clip(
        (sent - (edges[0] if edges.size else 0)) // interval_ns, 0, max(edges.size - 1, 0)
    )
    totals = np.bincount(bucket, minlength=edges.size).astype(np.float64)
    hits = np.bincount(bucket[filled], minlength=edges.size).astype(np.float64)
    rate = np.divide(hits, totals, out=np.full_like(totals, np.nan), where=totals > 0)
    seconds = edges / 1e9
    axes.step(seconds, rate, where="post", color="tab:green", label="fill rate")
    axes.set_ylim(0.0, 1.05)
    axes.set_xlabel("simulated time (s)")
    axes.set_ylabel("fill rate")
    rejects_axes = axes.twinx()
    bottom = np.zeros(edges.size)
    bounds = np.append(edges, edges[-1] + interval_ns) / 1e9 if edges.size else np.zeros(1)
    for component in COMPONENTS:  # one filled step band per component, not a bar each
        rows = timeline.filter(pl.col("component") == component)
        counts = rows.get_column("rejects").to_numpy().astype(np.float64)
        top = bottom + counts
        rejects_axes.fill_between(bounds, np.append(bottom, bottom[-1:]), np.append(top, top[-1:]),
                                  step="post", alpha=0.4, label=f"rejects at {component}")
        bottom += counts
    rejects_axes.set_ylabel("rejects per interval")
    axes.set_title("Fill rate and rejects over time")
    handles = axes.get_legend_handles_labels()
    extra = rejects_axes.get_legend_handles_labels()
    axes.legend(handles[0] + extra[0], handles[1] + extra[1], loc="upper right")


def _plot_tail(axes: Axes, orders: pl.DataFrame, _: pl.DataFrame, __: Any) -> None:
    table = tail_attribution(orders)
    names = table.column("component").to_pylist()
    counts = table.column("orders").to_pylist()
    positions = np.arange(len(names))
    axes.barh(positions, counts, color="tab:red")
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    axes.set_xlabel("tail orders dominated")
    axes.set_title("Tail attribution: slowest 1% of orders by dominant hop")


PlotFunction = Callable[[Axes, pl.DataFrame, pl.DataFrame, Any], None]

_PLOTS: Final[dict[str, PlotFunction]] = {
    "latency_cdf.png": _plot_latency_cdf,
    "latency_waterfall.png": _plot_waterfall,
    "throughput.png": _plot_throughput,
    "queue_depth.png": _plot_queue_depth,
    "utilisation.png": _plot_utilisation,
    "fill_rate.png": _plot_fill_rate,
    "tail_attribution.png": _plot_tail,
}


def write_plots(
    run_dir: Path,
    orders: pl.DataFrame | pa.Table,
    timeline: pl.DataFrame | pa.Table,
    summary: Mapping[str, Any],
) -> list[Path]:
    """Draw every plot of :data:`PLOT_CAPTIONS` into ``run_dir/plots/``.

    Args:
        run_dir: the run folder; ``plots/`` is created inside it.
        orders: the run's ``orders.parquet`` table.
        timeline: the table :func:`sim.report.timeline.build_timeline` returns.
        summary: the run's ``summary.json`` content.

    Returns:
        The written PNG paths, in :data:`PLOT_CAPTIONS` order.
    """
    plot_dir = Path(run_dir) / "plots"
    plot_dir.mkdir(parents=True, exist_ok=True)
    order_frame, timeline_frame = as_polars(orders), as_polars(timeline)
    written = []
    with style.context("default"), mpl.rc_context({"font.family": ["DejaVu Sans"]}):
        for name, draw in _PLOTS.items():
            figure = _figure()
            draw(figure.add_subplot(), order_frame, timeline_frame, summary)
            written.append(save_figure(figure, plot_dir / name))
    return written
