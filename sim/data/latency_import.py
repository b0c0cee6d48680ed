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


def round_trips_ns(path: Path, request: str = "create") -> pa.Table:
    """Round trips of one request kind, ``latency_ns`` int64, ordered by send time."""
    if request not in CONFIRMATION:
        raise DataError(f"unknown request kind {request!r}; use one of {', '.join(CONFIRMATION)}")
    try:
        frame = pl.read_csv(path, schema_overrides={"Timestamp": pl.Int64})
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DataError(f"{path}: cannot read latency log ({exc})") from None
    missing = {"Timestamp", "Order_ID", "Status"} - set(frame.columns)
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
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
    """Write atomically: temporary file, then rename."""
    temporary = out_path.with_name(f".{out_path.name}.partial")
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, out_path)
    finally:
        temporary.unlink(missing_ok=True)
