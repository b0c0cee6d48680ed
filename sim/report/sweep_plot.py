"""``sweep.png`` and ``sweep.html``: a sweep's figures against each swept key.

One row of panels per swept key (the first three): end-to-end p50, p99 and p99.9
against that key's values, one line per combination of the other keys, the line at
the mean over seeds and a band from the lowest to the highest seed. A last row holds
throughput against p99 (every run a dot) and, per strategy, net P&L and fill rate
against the first key (without strategies: the fill rate). The x-axis of a key is
its durations at resolved ns (log scale when they span more than two decades), other
numbers as numbers, anything else as evenly spaced labels; ticks are labelled with the
values as given. Failed runs are left out. Drawn like the run plots
(:mod:`sim.report.plots`), so the same table gives the same bytes.
"""

from __future__ import annotations

import base64
import html
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Final, Protocol

import matplotlib as mpl
import numpy as np
import pyarrow as pa
from matplotlib import style
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.report.plots import DPI, save_figure


class Axis(Protocol):
    """A varied key and its values as given (:class:`sim.sweep.grid.Axis`)."""

    @property
    def key(self) -> str:
        """The dotted ``--set`` key."""

    @property
    def values(self) -> tuple[str, ...]:
        """Its values, as given."""


PANEL_SIZE: Final[tuple[float, float]] = (4.2, 3.0)
LOG_DECADES: Final[float] = 2.0
"""Durations spanning more than this many powers of ten get a log x-axis."""
MAX_KEY_ROWS: Final[int] = 3
LATENCY_PANELS: Final[tuple[tuple[str, str], ...]] = (
    ("end_to_end_p50_ns", "p50"), ("end_to_end_p99_ns", "p99"),
    ("end_to_end_p99_9_ns", "p99.9"))


def _number(text: str) -> float | None:
    """``text`` as a number when it is a TOML integer or float literal, else None."""
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def x_positions(table: pa.Table, axis: Axis, is_duration: bool) -> tuple[np.ndarray, bool]:
    """The x of each row for ``axis``, and whether the axis should be logarithmic."""
    given = [str(value) for value in table.column(axis.key).to_pylist()]
    if is_duration:
        values = np.asarray(table.column(f"{axis.key}_ns").to_pylist(), dtype=np.float64)
        positive = values[values > 0]
        log = bool(positive.size == values.size and values.size
                   and np.log10(positive.max() / positive.min()) > LOG_DECADES)
        return values, log
    numbers = [_number(text) for text in given]
    if all(number is not None for number in numbers):
        return np.asarray(numbers, dtype=np.float64), False
    return np.asarray([axis.values.index(text) for text in given], dtype=np.float64), False


def _series(table: pa.Table, axes: Sequence[Axis], shown: int) -> dict[str, list[int]]:
    """Row indexes per combination of the keys other than ``axes[shown]``, in order."""
    groups: dict[str, list[int]] = {}
    others = [(axis, table.column(axis.key).to_pylist())
              for position, axis in enumerate(axes) if position != shown]
    for row in range(table.num_rows):
        label = ", ".join(f"{axis.key}={column[row]}" for axis, column in others)
        groups.setdefault(label, []).append(row)
    return groups


def _column(table: pa.Table, column: str) -> np.ndarray:
    """A numeric column as floats, failed runs (nulls) as NaN."""
    return np.asarray([np.nan if value is None else value
                       for value in table.column(column).to_pylist()], dtype=np.float64)


def _draw(panel: Axes, table: pa.Table, axes: Sequence[Axis], shown: int,
          placement: tuple[np.ndarray, bool], column: str, title: str, scale: float) -> None:
    """One panel: ``column`` over ``axes[shown]``, mean over seeds with a min-max band."""
    x, log = placement
    values = _column(table, column) / scale
    for label, rows in _series(table, axes, shown).items():
        xs, means, lows, highs = [], [], [], []
        for position in sorted(set(x[rows].tolist())):
            picked = values[[row for row in rows if x[row] == position]]
            picked = picked[~np.isnan(picked)]
            if picked.size:
                xs.append(position)
                means.append(picked.mean())
                lows.append(picked.min())
                highs.append(picked.max())
        if not xs:
            continue
        line = panel.plot(xs, means, marker="o", label=label or None)[0]
        if lows != highs:
            panel.fill_between(xs, lows, highs, color=line.get_color(), alpha=0.2)
    if log:
        panel.set_xscale("log")
    axis = axes[shown]
    given = [str(value) for value in table.column(axis.key).to_pylist()]
    panel.set_xticks([x[given.index(value)] for value in axis.values], list(axis.values))
    panel.minorticks_off()
    panel.set_xlabel(axis.key)
    panel.set_title(title, fontsize=9)
    panel.grid(True, alpha=0.3)
    if len(axes) > 1:
        panel.legend(fontsize=6)


def _throughput(panel: Axes, table: pa.Table) -> None:
    """Every run as a dot: requests/s against end-to-end p99."""
    panel.scatter(_column(table, "requests_per_s"), _column(table, "end_to_end_p99_ns") / 1e3,
                  s=12)
    panel.set_xlabel("requests/s")
    panel.set_ylabel("end-to-end p99 (us)")
    panel.set_title("throughput vs latency", fontsize=9)
    panel.grid(True, alpha=0.3)


def _last_row(table: pa.Table, strategy_names: Sequence[str],
              price_scale: int) -> list[tuple[str, str, float]]:
    """``(column, title, scale)`` of the panels after throughput, drawn over the first key."""
    if strategy_names:
        return [panel for name in strategy_names for panel in (
            (f"{name}.net_pnl", f"{name}: net P&L (currency)", float(price_scale)),
            (f"{name}.fill_rate", f"{name}: fill rate (fills per order sent)", 1.0))]
    return [("fill_rate", "fill rate", 1.0)]


def write_sweep_plot(table: pa.Table, axes: Sequence[Axis], strategy_names: Sequence[str],
                     duration_flags: Sequence[bool], path: Path, price_scale: int = 1) -> Path:
    """Draw ``sweep.png`` from the sweep table (:func:`sim.sweep.results.results_table`).

    P&L is drawn in currency: the table's price units x shares over ``price_scale``.
    """
    shown = list(range(min(len(axes), MAX_KEY_ROWS)))
    placements = {index: x_positions(table, axes[index], duration_flags[index])
                  for index in shown}
    extra = _last_row(table, strategy_names, price_scale)
    rows = len(shown) + (len(extra) + 1 + 2) // 3
    with style.context("default"), mpl.rc_context({"font.family": ["DejaVu Sans"]}):
        figure = Figure(figsize=(PANEL_SIZE[0] * 3, PANEL_SIZE[1] * rows), dpi=DPI,
                        layout="constrained")
        slot = 0
        for index in shown:
            for column, name in LATENCY_PANELS:
                slot += 1
                _draw(figure.add_subplot(rows, 3, slot), table, axes, index,
                      placements[index], column, f"end-to-end {name} (us)", 1_000.0)
        slot += 1
        _throughput(figure.add_subplot(rows, 3, slot), table)
        for column, title, scale in extra:
            slot += 1
            if shown:
                _draw(figure.add_subplot(rows, 3, slot), table, axes, 0, placements[0],
                      column, title, scale)
        return save_figure(figure, path)


def write_sweep_html(table: pa.Table, axes: Sequence[Axis], path: Path,
                     png: Path | None = None) -> Path:
    """``sweep.html``: the plot (embedded) over the results table, one self-contained page."""
    image = png if png is not None else path.with_name("sweep.png")
    data = base64.b64encode(image.read_bytes()).decode() if image.is_file() else ""
    keys = ", ".join(axis.key for axis in axes) or "seed"
    head = "".join(f"<th>{html.escape(name)}</th>" for name in table.column_names)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if value is None else str(value))}</td>"
                         for value in row.values()) + "</tr>"
        for row in table.to_pylist())
    picture = f'<img alt="sweep plots" src="data:image/png;base64,{data}">' if data else ""
    path.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>sweep</title><style>"
        "body{font-family:sans-serif}table{border-collapse:collapse;font-size:12px}"
        "td,th{border:1px solid #ccc;padding:2px 6px}img{max-width:100%}</style></head><body>"
        f"<h1>Sweep over {html.escape(keys)}</h1>{picture}<h2>Runs</h2>"
        f"<table><tr>{head}</tr>{body}</table></body></html>\n", encoding="utf-8")
    return path
