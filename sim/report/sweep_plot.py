"""``sweep.png``: a sweep's figures against its first varied key, one panel per figure.

With strategies: per strategy its net P&L and its fill rate (one row of two panels
each); without: end-to-end p99 and fill rate. One line per combination of the other
varied keys. The x-axis is the first key's values: durations at their resolved ns
(log scale when they span more than two decades), other numbers as numbers, anything
else as evenly spaced labels; ticks are labelled with the values as given. Drawn like
the run plots (:mod:`sim.report.plots`), so the same table gives the same bytes.
"""

from __future__ import annotations

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


PANEL_SIZE: Final[tuple[float, float]] = (5.0, 3.2)
LOG_DECADES: Final[float] = 2.0
"""Durations spanning more than this many powers of ten get a log x-axis."""


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


def _series(table: pa.Table, axes: Sequence[Axis]) -> dict[str, list[int]]:
    """Row indexes per combination of the keys after the first, in order of appearance."""
    groups: dict[str, list[int]] = {}
    others = [table.column(axis.key).to_pylist() for axis in axes[1:]]
    for row in range(table.num_rows):
        label = ", ".join(f"{axis.key}={column[row]}"
                          for axis, column in zip(axes[1:], others, strict=True))
        groups.setdefault(label, []).append(row)
    return groups


def _panels(table: pa.Table, strategy_names: Sequence[str],
            price_scale: int) -> list[tuple[str, str, float]]:
    """``(column, title, scale)`` per panel; values are divided by ``scale``."""
    if strategy_names:
        return [panel for name in strategy_names for panel in (
            (f"{name}.net_pnl", f"{name}: net P&L (currency)", float(price_scale)),
            (f"{name}.fill_rate", f"{name}: fill rate (fills per order sent)", 1.0))]
    return [("end_to_end_p99_ns", "end-to-end p99 (us)", 1_000.0),
            ("fill_rate", "fill rate", 1.0)]


def _draw(panel: Axes, table: pa.Table, axes: Sequence[Axis], x: np.ndarray, log: bool,
          column: str, title: str, scale: float) -> None:
    values = np.asarray([np.nan if value is None else value
                         for value in table.column(column).to_pylist()], dtype=np.float64)
    for label, rows in _series(table, axes).items():
        panel.plot(x[rows], values[rows] / scale, marker="o", label=label or None)
    if log:
        panel.set_xscale("log")
    first = axes[0]
    ticks = [x[table.column(first.key).to_pylist().index(value)] for value in first.values]
    panel.set_xticks(ticks, list(first.values))
    panel.minorticks_off()
    panel.set_xlabel(first.key)
    panel.set_title(title, fontsize=10)
    panel.grid(True, alpha=0.3)
    if len(axes) > 1:
        panel.legend(fontsize=7)


def write_sweep_plot(table: pa.Table, axes: Sequence[Axis], strategy_names: Sequence[str],
                     duration_flags: Sequence[bool], path: Path, price_scale: int = 1) -> Path:
    """Draw ``sweep.png`` from the sweep table (``sim.sweep.results.sweep_table``).

    P&L is drawn in currency: the table's price units x shares over ``price_scale``.
    """
    x, log = x_positions(table, axes[0], duration_flags[0])
    panels = _panels(table, strategy_names, price_scale)
    rows = (len(panels) + 1) // 2
    with style.context("default"), mpl.rc_context({"font.family": ["DejaVu Sans"]}):
        figure = Figure(figsize=(PANEL_SIZE[0] * 2, PANEL_SIZE[1] * rows), dpi=DPI,
                        layout="constrained")
        for position, (column, title, scale) in enumerate(panels):
            _draw(figure.add_subplot(rows, 2, position + 1), table, axes, x, log, column,
                  title, scale)
        return save_figure(figure, path)
