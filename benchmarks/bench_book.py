"""Replay a LOBSTER day through the pure order book, then through the SimPy model.

Usage: python benchmarks/bench_book.py [--file PATH] [--repeat 3] [--profile]

Two figures:

- **book**: the message file straight into ``OrderBook`` fast paths (below).
- **model**: the message file and its orderbook file imported into a temporary
  canonical Parquet file (``sim.data.lobster.import_lobster``, not timed), read
  into ``EventColumns`` batches (not timed), then ``run_platform`` with one
  ``route=direct`` source (timed: build, inline history replay, book walk, Arrow
  output). Messages/s counts every canonical row the feed consumed.

LOBSTER message columns: time (seconds after midnight), type, order id, size,
price (USD x 10,000), direction (1 buy, -1 sell). Type 1 -> add, 2 -> partial
cancel, 3 -> full cancel, 4 -> execute; 5 (hidden execution) and 7 (halt) are
skipped. The day starts with orders added before the file begins, so unknown-id
rejects are expected and ignored.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import pstats
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from sim.core import OrderBook
from sim.data.events import EventColumns
from sim.data.lobster import import_lobster
from sim.data.reader import inspect_source, iter_event_batches
from sim.model.platform import RunResult, run_platform
from sim.scenario import scenario_from_dict

_NAME = "AMZN_2012-06-21_34200000_57600000_message_5.csv.gz"
_CANDIDATES = (
    Path("/work/main/data/lobster") / _NAME,
    Path("/work/shared/data/real/lobster") / _NAME,
)

Messages = tuple[list[int], list[int], list[int], list[int], list[int]]


def default_file() -> Path:
    for candidate in _CANDIDATES:
        if candidate.exists():
            return candidate
    raise SystemExit(f"no LOBSTER file found at {', '.join(map(str, _CANDIDATES))}; use --file")


def load(path: Path) -> Messages:
    """Read the message file and convert its integer columns to Python ints."""
    raw = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
    cols = raw[:, 1:].astype(np.int64)  # time (column 0) is not needed by the book
    kinds, ids, sizes, prices, sides = (cols[:, i].tolist() for i in range(5))
    return kinds, ids, sizes, prices, sides


def replay(messages: Messages) -> OrderBook:
    """Apply every message to a fresh book through the fast paths."""
    book = OrderBook("AMZN")
    add = book.add
    cancel = book.cancel
    execute = book.execute
    for kind, order_id, size, price, side in zip(*messages, strict=True):
        if kind == 1:
            add(order_id, side, price, size)
        elif kind == 3:
            cancel(order_id, None)
        elif kind == 4:
            execute(order_id, size)
        elif kind == 2:
            cancel(order_id, size)
    return book


def orderbook_file(message: Path) -> Path | None:
    """The orderbook file of a LOBSTER pair, when it sits next to the message file."""
    candidate = message.with_name(message.name.replace("_message_", "_orderbook_"))
    return candidate if candidate.exists() else None


def import_pair(message: Path, folder: Path) -> tuple[Path, str]:
    """Import a LOBSTER pair into a canonical file in ``folder``; return it and the symbol."""
    symbol, day = message.name.split("_")[:2]
    out = folder / f"{symbol}.parquet"
    import_lobster(
        message, out, symbol=symbol, date=dt.date.fromisoformat(day),
        orderbook_path=orderbook_file(message),
    )
    return out, symbol


def run_model(path: Path, batches: list[EventColumns], rows: int) -> RunResult:
    """Replay preloaded batches through the baseline platform with one direct source."""
    scenario = scenario_from_dict(
        {
            "name": "bench_lobster",
            "data": {"sources": [{"name": "nasdaq", "path": str(path), "route": "direct"}]},
        }
    )
    return run_platform(scenario, {"nasdaq": batches}, rows)


def bench_model(message: Path, messages: int, repeat: int, profile: bool) -> None:
    """Print the model figure: messages/s of run_platform over an imported LOBSTER day."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path, _symbol = import_pair(message, Path(folder))
        imported = time.perf_counter() - started
        info = inspect_source(path)
        started = time.perf_counter()
        batches = list(iter_event_batches(info))
        read = time.perf_counter() - started
        print(f"canonical {info.rows:,} rows (imported in {imported:.2f} s, read in {read:.2f} s)")
        best = float("inf")
        result = None
        for _ in range(repeat):
            gc.collect()
            started = time.perf_counter()
            result = run_model(path, batches, info.rows)
            best = min(best, time.perf_counter() - started)
        assert result is not None
        print(
            f"model     {best * 1e3:.1f} ms best of {repeat}: {messages / best:,.0f} messages/s, "
            f"{result.events_processed / best:,.0f} canonical rows/s "
            f"(run_platform, route=direct; {result.direct_events_applied:,} rows applied, "
            f"{result.scheduled_events} SimPy events)"
        )
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(run_model, path, batches, info.rows)
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(12)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=None, help="LOBSTER message file (.csv[.gz])")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the best is reported")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one run")
    args = parser.parse_args(argv)
    path = args.file or default_file()

    started = time.perf_counter()
    messages = load(path)
    count = len(messages[0])
    print(f"file      {path}")
    print(f"messages  {count:,} (loaded in {time.perf_counter() - started:.2f} s)")

    best = float("inf")
    book = None
    for _ in range(args.repeat):
        gc.collect()
        started = time.perf_counter()
        book = replay(messages)
        best = min(best, time.perf_counter() - started)
    assert book is not None
    print(f"replay    {best * 1e3:.1f} ms best of {args.repeat}: {count / best:,.0f} messages/s")
    print(
        f"book      {len(book)} resting orders, best bid {book.best_bid()}, ask {book.best_ask()}"
    )

    tracemalloc.start()
    replay(messages)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mib, rss_mib = peak / 2**20, rss_kib / 1024
    print(f"memory    replay peak {peak_mib:.1f} MiB (tracemalloc), max RSS {rss_mib:.0f} MiB")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(replay, messages)
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(12)

    bench_model(path, count, args.repeat, args.profile)


if __name__ == "__main__":
    main()
