"""Where a sweep's runs execute: a local process pool or a Dask cluster.

Both map :func:`sim.sweep.task.execute` over the tasks and hand each record to
``done`` as soon as it arrives (completion order; the table is sorted by run index
later, so the executor never shows in ``results.parquet``). A worker process that
dies (``BrokenProcessPool``, Dask's ``KilledWorker``) fails the runs it took down with
a message saying so; runs already finished are on disk and are kept.

The local pool uses the ``forkserver`` start method: forking a process that draws a
progress bar from a thread is unsafe, and a fresh interpreter per worker (``spawn``)
costs an import of numpy, polars and pyarrow per worker, which the server pays once.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from enum import StrEnum
from typing import Any

from sim.errors import SimError
from sim.sweep.task import RunRecord, RunTask, execute, one_line

Done = Callable[[RunRecord], None]
LOST = ("the worker process running it died ({why}); finished runs are kept: rerun the "
        "missing ones with --resume")


class SweepError(SimError):
    """A sweep cannot start (an executor that cannot be reached); the message says why."""


class Executor(StrEnum):
    """Where the runs of a sweep execute."""

    LOCAL = "local"
    DASK = "dask"


def run_local(tasks: Sequence[RunTask], workers: int, done: Done) -> None:
    """Run ``tasks`` on a pool of ``workers`` local processes."""
    if not tasks:
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["sim.sweep.task"])
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(tasks))),
                               mp_context=context)
    try:
        futures: dict[Future[RunRecord], RunTask] = {pool.submit(execute, task): task
                                                     for task in tasks}
        for future in as_completed(futures):
            done(_record(futures[future], future))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _record(task: RunTask, future: Future[RunRecord]) -> RunRecord:
    """The record of a finished future; a dead worker or a transport error fails the run."""
    try:
        return future.result()
    except BrokenProcessPool:
        return RunRecord(task.index, "failed", LOST.format(why="BrokenProcessPool"))
    except Exception as exc:  # the run's own errors are caught in execute: this is transport
        return RunRecord(task.index, "failed", one_line(exc))


def run_dask(tasks: Sequence[RunTask], workers: int, address: str | None, done: Done) -> None:
    """Run ``tasks`` on the Dask scheduler at ``address``, or on a new ``LocalCluster``."""
    if not tasks:
        return
    dask = _distributed()
    cluster = None
    try:
        if address is None:
            cluster = dask.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = dask.Client(cluster)
        else:
            client = dask.Client(address, timeout=10)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise SweepError(f"--address {address}: cannot reach a Dask scheduler there "
                         f"({one_line(exc)}); start one with `dask scheduler`") from None
    try:
        token = secrets.token_hex(6)  # keys are shared by every client of a scheduler
        futures = client.map(execute, list(tasks), pure=False, retries=0,
                             key=[f"ticktwin-run-{token}-{task.index}" for task in tasks])
        by_key = {future.key: task for future, task in zip(futures, tasks, strict=True)}
        for future in dask.as_completed(futures):
            done(_dask_record(by_key[future.key], future))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def check_scheduler(address: str) -> None:
    """Raise :class:`SweepError` unless a Dask scheduler answers at ``address``.

    Called before the sweep folder is touched, so a wrong address writes nothing.
    """
    try:
        _distributed().Client(address, timeout=10).close()
    except (OSError, TimeoutError) as exc:
        raise SweepError(f"--address {address}: cannot reach a Dask scheduler there "
                         f"({one_line(exc)}); start one with `dask scheduler`") from None


def _distributed() -> Any:
    """The ``distributed`` module (imported late: it is slow, and untyped)."""
    return importlib.import_module("distributed")


def _dask_record(task: RunTask, future: Any) -> RunRecord:
    """A Dask future's record; ``KilledWorker`` and transport errors fail the run."""
    try:
        record: RunRecord = future.result()
    except _distributed().KilledWorker:
        return RunRecord(task.index, "failed", LOST.format(why="Dask KilledWorker"))
    except Exception as exc:
        return RunRecord(task.index, "failed", one_line(exc))
    return record
