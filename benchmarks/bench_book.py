"""Replay a LOBSTER message file through the pure order book's fast paths.

Usage: python benchmarks/bench_book.py [--file PATH] [--repeat 3] [--profile]

LOBSTER message columns: time (seconds after midnight), type, order id, size,
price (USD x 10,000), direction (1 buy, -1 sell). Type 1 -> add, 2 -> partial
cancel, 3 -> full cancel, 4 -> execute; 5 (hidden execution) and 7 (halt) are
skipped. The day starts with orders added before the file begins, so unknown-id
rejects are expected and ignored.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from sim.core import OrderBook

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


if __name__ == "__main__":
    main()
