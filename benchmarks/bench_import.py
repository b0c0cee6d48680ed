"""Import a generated N-row CSV with `sim data import table`: rows/s and peak memory.

The CSV (epoch-ms times, decimal prices and quantities, single-letter actions and sides,
as a user's export looks) is written in chunks, so generating it stays small too. The
import runs in a child process, so its peak RSS (``ru_maxrss`` of the children) is the
importer's alone; it must stay flat as N grows (the file is streamed in 4 MB blocks).

    .venv/bin/python benchmarks/bench_import.py --rows 10000000
    .venv/bin/python benchmarks/bench_import.py --rows 1000000 --keep /tmp/bench.csv
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

CHUNK = 1_000_000
MAP = "ts=time,symbol=sym,action=type,order_id=id,side=dir,price=px,qty=size"


def write_csv(path: Path, rows: int, seed: int = 7) -> None:
    """``rows`` time-sorted order events: adds, then cancels of earlier ids, per chunk."""
    generator = np.random.default_rng(seed)
    start_ms = 1_723_161_255_000
    with pcsv.CSVWriter(path, pa.schema([("time", pa.string()), ("sym", pa.string()),
                                         ("type", pa.string()), ("id", pa.int64()),
                                         ("dir", pa.string()), ("px", pa.string()),
                                         ("size", pa.string())])) as writer:
        for first in range(0, rows, CHUNK):
            count = min(CHUNK, rows - first)
            ids = np.arange(first, first + count, dtype=np.int64)
            stamps = start_ms * 1000 + ids  # one event per microsecond, as decimal ms
            cancel = generator.random(count) < 0.3
            cents = 6_180_000 + generator.integers(-500, 500, count)
            table = pa.table({
                "time": pa.array([f"{s // 1000}.{s % 1000:03d}" for s in stamps.tolist()]),
                "sym": pa.array(np.where(ids % 2 == 0, "BTCUSDT", "ETHUSDT")),
                "type": pa.array(np.where(cancel, "D", "A")),
                "id": pa.array(np.where(cancel, np.maximum(ids - 7, 0), ids)),
                "dir": pa.array(np.where(generator.random(count) < 0.5, "B", "S")),
                "px": pa.array([f"{c // 100}.{c % 100:02d}" for c in cents.tolist()]),
                "size": pa.array([f"0.{q:05d}" for q in
                                  generator.integers(1, 99_999, count).tolist()]),
            })
            writer.write_table(table)


def main() -> None:
    """Generate, import in a child process, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--keep", type=Path, help="Write the CSV here and keep it.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        source = args.keep or Path(folder) / "events.csv"
        out = Path(folder) / "events.parquet"
        started = time.perf_counter()
        write_csv(source, args.rows)
        generated = time.perf_counter() - started
        command = [sys.executable, "-m", "sim", "data", "import", "table", str(source),
                   "-o", str(out), "--map", MAP, "--ts-unit", "ms", "--price-scale", "100",
                   "--qty-scale", "100000", "--action-map", "A=add,D=cancel"]
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_mb = usage.ru_maxrss / 1024
        cpu = usage.ru_utime + usage.ru_stime
        rows = pq.read_metadata(out).num_rows
        size_mb = source.stat().st_size / 1e6
        print(f"rows {rows:,}  csv {size_mb:,.0f} MB (generated in {generated:.1f} s)")
        print(f"import {seconds:.1f} s wall, {cpu:.1f} s CPU  {rows / seconds:,.0f} rows/s "
              f"(wall), {rows / cpu:,.0f} rows/s (CPU)  {size_mb / seconds:,.1f} MB/s  "
              f"peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
