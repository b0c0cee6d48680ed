"""Sweeps: one scenario run once per combination of varied keys, into one folder.

``grid`` turns ``--vary KEY=V1,V2,...`` options into points (each a list of
``--set`` overrides, so a value means exactly what ``--set`` makes of it);
``run`` validates every point before the first run, runs them one after another
(:func:`~sim.sweep.run.run_point` is the unit a process pool or Dask would map,
issue 12) and writes the folder through :mod:`sim.outputs`; ``results`` makes one
row of figures per run (``sweep.parquet``), and :mod:`sim.report.sweep_plot` draws
``sweep.png``. Same command, same bytes: runs are deterministic and rows are in
point order.
"""

from sim.sweep.grid import Axis, Point, expand
from sim.sweep.run import SweepOutcome, run_sweep

__all__ = ["Axis", "Point", "SweepOutcome", "expand", "run_sweep"]
