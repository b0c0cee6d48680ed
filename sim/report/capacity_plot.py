"""``capacity.png``: the budget's first figure against the searched parameter.

Every probed run is a dot (green when its budget held, red when not), the mean over
seeds a line, the budget's limit a horizontal line and the answer a vertical one, so
the knee and how close the seeds came to the limit can be read at a glance. Drawn like
the run plots (:mod:`sim.report.plots`): the same table gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import numpy as np
import pyarrow as pa
from matplotlib import style
from matplotlib.figure import Figure

from sim.report.plots import DPI, save_figure


def write_capacity_plot(table: pa.Table, param: str, metric: str, unit: str,
                        answer: float | None, path: Path) -> Path:
    """Draw ``capacity.png`` from :func:`sim.sweep.capacity.capacity_table`'s table."""
    scale, label = (1_000.0, "us") if unit == "ns" else (1.0, unit)
    values = np.asarray(table.column("value").to_pylist(), dtype=np.float64)
    figures = np.asarray([np.nan if value is None else value
                          for value in table.column(metric).to_pylist()], dtype=np.float64)
    passed = np.asarray(table.column("passed").to_pylist(), dtype=bool)
    limits = [limit for limit in table.column(f"{metric}.limit").to_pylist() if limit is not None]
    with style.context("default"), mpl.rc_context({"font.family": ["DejaVu Sans"]}):
        figure = Figure(figsize=(7.0, 4.2), dpi=DPI, layout="constrained")
        panel = figure.add_subplot(1, 1, 1)
        panel.scatter(values[passed], figures[passed] / scale, s=14, color="tab:green",
                      label="run: budget held")
        panel.scatter(values[~passed], figures[~passed] / scale, s=14, color="tab:red",
                      label="run: budget failed")
        xs = sorted(set(values.tolist()))
        means = [np.nanmean(figures[values == x]) / scale if np.any(~np.isnan(
            figures[values == x])) else np.nan for x in xs]
        panel.plot(xs, means, color="tab:blue", label="mean over seeds")
        if limits:
            panel.axhline(limits[0] / scale, color="black", linestyle="--", label="budget")
        if answer is not None:
            panel.axvline(answer, color="tab:gray", linestyle=":", label=f"capacity {answer:g}")
        panel.set_xlabel(param)
        panel.set_ylabel(f"{metric} ({label})" if label else metric)
        panel.set_title(f"{metric} against {param}", fontsize=10)
        panel.grid(True, alpha=0.3)
        panel.legend(fontsize=7)
        return save_figure(figure, path)
