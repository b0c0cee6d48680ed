"""Turn measured order round trips (supervik's exchange latency logs) into a latency column.

Input rows are ``Timestamp`` (ms since epoch), ``Order_ID``, ``Status``: a
``PENDING_<X>`` row is stamped just before a request is sent and the matching
confirmation (``CREATED``, ``CANCELED``, ``EXECUTED``) when the exchange answers.
Pairing them by order id gives one round trip per request, written as int ns in
column ``latency_ns``, in file order, for an ``empirical`` link distribution.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import DataError

CONFIRMATION: Final[dict[str, str]] = {
    "create": "CREATED", "cancel": "CANCELED", "execute": "EXECUTED",
}
NS_PER_MS: Final[int] = 1_000_000


MAX_TIMESTAMP_MS: Final[int] = (2**63 - 1) // NS_PER_MS
"""Largest ``Timestamp`` whose nanoseconds fit in int64 (year 2262)."""
_COLUMNS: Final[dict[str, type[pl.DataType]]] = {
    "Timestamp": pl.Int64, "Order_ID": pl.String, "Status": pl.String,
}


def _read_log(path: Path) -> pl.DataFrame:
    """Read the log, checking its columns, empty cells and timestamp range.

    Raises:
        DataError: one line naming the file (and the line and column of a bad cell).
    """
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give the latency log CSV file")
    try:
        frame = pl.read_csv(path, schema_overrides=_COLUMNS)
    except (pl.exceptions.PolarsError, OSError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise DataError(f"{path}: cannot read latency log ({reason})") from None
    missing = set(_COLUMNS) - set(frame.columns)
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(sorted(missing))} "
                        f"(expected a header line {','.join(_COLUMNS)})")
    for name in _COLUMNS:
        empty = frame.get_column(name).is_null()
        if empty.any():
            raise DataError(f"{path}: line {int(empty.arg_true()[0]) + 2}, column {name!r}: "
                            "empty value")
    stamps = frame.get_column("Timestamp")
    outside = (stamps < 0) | (stamps > MAX_TIMESTAMP_MS)
    if outside.any():
        row = int(outside.arg_true()[0])
        raise DataError(f"{path}: line {row + 2}, column 'Timestamp': {stamps[row]} is not "
                        f"milliseconds since 1970 between 0 and {MAX_TIMESTAMP_MS}")
    return frame


def round_trips_ns(path: Path, request: str = "create") -> pa.Table:
    """Round trips of one request kind, ``latency_ns`` int64, ordered by send time."""
    if request not in CONFIRMATION:
        raise DataError(f"unknown request kind {request!r}; use one of {', '.join(CONFIRMATION)}")
    frame = _read_log(path)
    sent = frame.filter(pl.col("Status") == f"PENDING_{request.upper()}").group_by(
        "Order_ID", maintain_order=True).agg(pl.col("Timestamp").first().alias("sent"))
    done = frame.filter(pl.col("Status") == CONFIRMATION[request]).group_by(
        "Order_ID", maintain_order=True).agg(pl.col("Timestamp").first().alias("done"))
    pairs = sent.join(done, on="Order_ID", how="inner").sort("sent", maintain_order=True)
    latency = (pairs.get_column("done") - pairs.get_column("sent")) * NS_PER_MS
    if (latency < 0).any():
        raise DataError(f"{path}: a confirmation precedes its request (clock skew?)")
    if latency.len() == 0:
        raise DataError(f"{path}: no {request} round trips found")
    return pa.table({"latency_ns": pa.array(latency.to_numpy(), pa.int64())})


def write_latency_table(table: pa.Table, out_path: Path) -> None:
    """Write atomically: temporary file, then rename.

    Raises:
        DataError: ``out_path`` is a folder.
    """
    if out_path.is_dir():
        raise DataError(f"{out_path}: is a folder; -o/--out takes the Parquet file to write "
                        f"(e.g. {out_path / 'latency.parquet'})")
    temporary = out_path.with_name(f".{out_path.name}.partial")
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, out_path)
    finally:
        temporary.unlink(missing_ok=True)
