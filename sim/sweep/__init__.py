"""Sweeps: one scenario run once per combination of grid values and seeds, into one folder.

``grid`` turns ``--grid KEY=V1,V2,...`` options and ``--seeds N`` into points (each a
list of ``--set`` overrides, so a value means exactly what ``--set`` makes of it);
``run`` validates every point before the first run and hands the runs to an executor
(``executors``: a local process pool or Dask), each run a pure function of its resolved
scenario and input fingerprints (``task``) that writes its own run folder; ``results``
reads the finished folders back into one row per run (``results.parquet``), and
:mod:`sim.report.sweep_plot` draws ``sweep.png`` and ``sweep.html``. ``capacity`` bisects
a load parameter for the largest value that keeps a budget. Same command, same bytes,
whichever executor ran it: runs are deterministic and rows are in point order.
"""

from sim.sweep.executors import Executor, SweepError
from sim.sweep.grid import Axis, Point, expand
from sim.sweep.run import SweepOptions, SweepOutcome, run_sweep

__all__ = ["Axis", "Executor", "Point", "SweepError", "SweepOptions", "SweepOutcome", "expand",
           "run_sweep"]
