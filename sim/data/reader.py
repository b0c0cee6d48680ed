"""Read canonical L3 Parquet files in record batches, validating before any run starts.

``inspect_source`` streams a file once: it checks columns and types, time order,
sides, actions, quantities and the optional ``tif`` values, and returns its row
count, symbols, accounts, time span and a content fingerprint. Only then does
``iter_event_batches`` hand the model ``EventColumns`` batch by batch, so a
large file is never held in memory.

A ``cancel`` or ``execute`` naming an order the file never added is not a data
error: real feeds start with orders resting from before the window. The matching
engine rejects such a request with reason ``unknown_order`` and counts it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.core.vocabulary import NEVER, OrderAction
from sim.data.checks import batch_findings
from sim.data.events import (
    CODE_BY_TIF,
    NO_ACCOUNT,
    NO_PRICE,
    NO_QTY,
    TIF_GTC,
    EventColumns,
)
from sim.data.schema import (
    BOOK_KEY,
    BOOK_L2,
    BOOK_L3,
    DEFAULT_PRICE_SCALE,
    PRICE_SCALE_KEY,
    REQUIRED_COLUMNS,
)
from sim.errors import DataError

BATCH_ROWS = 65_536
_EVENT_COLUMNS = ("tif", "account")
"""Optional columns the model consumes (others, like ``display_qty``, are not read yet)."""
_TIF_VALUES = pa.array(sorted(CODE_BY_TIF, key=CODE_BY_TIF.__getitem__), pa.string())
"""Valid tif values in code order, so ``index_in`` yields the code."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What validation learned about one canonical file."""

    path: Path
    rows: int
    symbols: tuple[str, ...]
    first_ts_ns: int
    last_ts_ns: int
    price_scale: int
    fingerprint: str
    """SHA-256 of the file's bytes: the input half of a run's identity."""
    accounts: tuple[str, ...] = ()
    """Sorted distinct non-null ``account`` values (empty without the column)."""
    optional: tuple[str, ...] = ()
    """Optional columns the model consumes that the file has (``tif``, ``account``)."""
    book: str = BOOK_L3
    """``l3`` (orders) or ``l2`` (price levels; see :mod:`sim.data.checks`)."""


def file_fingerprint(path: Path) -> str:
    """Return the SHA-256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_READ_ERRORS = (pa.ArrowException, OSError)
"""What pyarrow raises on a truncated, corrupt or unreadable file (``ArrowIOError`` is
``OSError``; decoding failures are ``ArrowInvalid``, ``ArrowIndexError`` and the like)."""


def _one_line(exc: BaseException) -> str:
    """An exception's message on one printable line (pyarrow's can span several)."""
    text = "".join(char if char.isprintable() else " " for char in str(exc))
    return " ".join(text.split()) or type(exc).__name__


def open_parquet(path: Path) -> pq.ParquetFile:
    """Open a Parquet file, a missing or unreadable one raised as a one-line DataError."""
    if not path.exists():
        raise DataError(f"{path}: file not found (write it with `sim data gen` or "
                        "`sim data import lobster`; a scenario's paths are relative to its file)")
    try:
        return pq.ParquetFile(path)
    except _READ_ERRORS as exc:
        hint = ("; convert CSV with `sim data import table` (or `lobster`) first"
                if ".csv" in path.suffixes else "")
        raise DataError(f"{path}: not a readable Parquet file ({_one_line(exc)}){hint}") from None


def read_batches(path: Path, parquet: pq.ParquetFile, columns: list[str]
                 ) -> Iterator[pa.RecordBatch]:
    """``parquet``'s record batches, a corrupt page raised as a DataError naming the row."""
    batches = parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns)
    rows = 0
    while True:
        try:
            batch = next(batches, None)
        except _READ_ERRORS as exc:
            raise DataError(
                f"{path}: corrupt Parquet data at row {rows} or later ({_one_line(exc)}); "
                "the file is damaged: write or download it again"
            ) from None
        if batch is None:
            return
        yield batch
        rows += batch.num_rows


def check_schema(path: Path, schema: pa.Schema) -> None:
    """Refuse duplicate, missing or mistyped columns (the checks before any row is read)."""
    duplicates = sorted({name for name in schema.names if schema.names.count(name) > 1})
    if duplicates:
        raise DataError(f"{path}: column {duplicates[0]!r} appears more than once "
                        "(column names must be unique)")
    for name, expected in REQUIRED_COLUMNS.items():
        if name not in schema.names:
            raise DataError(
                f"{path}: missing column {name!r} (required: {', '.join(REQUIRED_COLUMNS)})"
            )
        actual = schema.field(name).type
        if pa.types.is_dictionary(actual):
            actual = actual.value_type
        ok = {
            "ts": pa.types.is_timestamp(actual) and getattr(actual, "unit", "") == "ns",
            "symbol": pa.types.is_string(actual) or pa.types.is_large_string(actual),
            "action": pa.types.is_string(actual) or pa.types.is_large_string(actual),
        }.get(name, pa.types.is_integer(actual))
        if not ok:
            raise DataError(f"{path}: column {name!r} has type {actual}, expected {expected}")
    for name in _optional_columns(schema):
        actual = schema.field(name).type
        if pa.types.is_dictionary(actual):
            actual = actual.value_type
        if not (pa.types.is_string(actual) or pa.types.is_large_string(actual)):
            raise DataError(f"{path}: column {name!r} has type {actual}, expected string")


def _optional_columns(schema: pa.Schema) -> tuple[str, ...]:
    """The optional columns the model consumes that ``schema`` has."""
    return tuple(name for name in _EVENT_COLUMNS if name in schema.names)


def _tif_codes(path: Path, batch: pa.RecordBatch, base_row: int) -> np.ndarray:
    """Return the batch's tif codes (null: GTC), rejecting values apply_event does not know."""
    values = batch.column("tif").cast(pa.string())
    index = pc.index_in(values, value_set=_TIF_VALUES)
    unknown = pc.and_(pc.is_valid(values), pc.is_null(index)).to_numpy(zero_copy_only=False)
    if unknown.any():
        bad = values[int(np.flatnonzero(unknown)[0])].as_py()
        _fail(path, base_row, unknown, "tif",
              f"unknown tif {bad!r} (expected null or one of {', '.join(CODE_BY_TIF)})")
    codes: np.ndarray = index.fill_null(TIF_GTC).cast(pa.int8()).to_numpy(zero_copy_only=False)
    return codes


def _price_scale(path: Path, schema: pa.Schema) -> int:
    raw = (schema.metadata or {}).get(PRICE_SCALE_KEY)
    if raw is None:
        return DEFAULT_PRICE_SCALE
    try:
        scale = int(raw)
    except ValueError:
        scale = 0
    if scale <= 0:
        text = raw.decode(errors="replace")
        raise DataError(f"{path}: metadata {PRICE_SCALE_KEY.decode()} = {text!r} is not a "
                        "positive integer")
    return scale


def _fail(path: Path, base_row: int, mask: np.ndarray, column: str, problem: str) -> None:
    """Raise a DataError naming the first row where ``mask`` is true."""
    index = int(np.flatnonzero(mask)[0])
    raise DataError(f"{path}: row {base_row + index}, column {column!r}: {problem}")


def _check_batch(path: Path, batch: pa.RecordBatch, base_row: int, last_ts: int,
                 book: str = BOOK_L3) -> int:
    """Validate one batch (raising its first finding); return its last timestamp."""
    findings, last = batch_findings(batch, last_ts, book)
    if findings:
        first = findings[0]
        raise DataError(f"{path}: row {base_row + int(first.rows[0])}, column {first.column!r}: "
                        f"{first.message}")
    return last


def book_kind(path: Path, schema: pa.Schema) -> str:
    """``l3`` or ``l2`` from the file's metadata (absent: ``l3``)."""
    metadata: dict[bytes, bytes] = schema.metadata or {}
    raw = metadata.get(BOOK_KEY, BOOK_L3.encode()).decode(errors="replace")
    if raw not in (BOOK_L3, BOOK_L2):
        raise DataError(f"{path}: metadata {BOOK_KEY.decode()} = {raw!r} is not "
                        f"{BOOK_L3!r} or {BOOK_L2!r}")
    return raw


def _raise_if(path: Path, base_row: int, mask: np.ndarray, column: str, problem: str) -> None:
    if mask.any():
        _fail(path, base_row, mask, column, problem)


def inspect_source(path: Path) -> SourceInfo:
    """Validate a canonical file end to end and describe it.

    Raises:
        DataError: naming the file, row (0-based) and column of the first problem.
    """
    parquet = open_parquet(path)
    schema = parquet.schema_arrow
    check_schema(path, schema)
    optional = _optional_columns(schema)
    book = book_kind(path, schema)
    symbols: set[str] = set()
    accounts: set[str] = set()
    rows, first_ts, last_ts = 0, None, NEVER
    columns = [*REQUIRED_COLUMNS, *optional]
    for batch in read_batches(path, parquet, columns):
        last_ts = _check_batch(path, batch, rows, last_ts, book)
        if first_ts is None and batch.num_rows:
            first_ts = int(batch.column("ts").cast(pa.int64())[0].as_py())
        symbols.update(pc.unique(batch.column("symbol").cast(pa.string())).to_pylist())
        if "account" in optional:
            accounts.update(pc.unique(batch.column("account").cast(pa.string()).drop_null())
                            .to_pylist())
        rows += batch.num_rows
    if rows == 0:
        raise DataError(f"{path}: the file has no rows")
    return SourceInfo(path, rows, tuple(sorted(symbols)), first_ts or 0, last_ts,
                      _price_scale(path, schema), file_fingerprint(path),
                      tuple(sorted(accounts)), optional, book)


def iter_event_batches(
    info: SourceInfo,
    *,
    symbols: tuple[str, ...] = (),
    start_ns: int | None = None,
    end_ns: int | None = None,
) -> Iterator[EventColumns]:
    """Yield validated events as ``EventColumns``, filtered by symbol and ``[start, end)``.

    ``tif`` and ``account`` are filled when the file has those columns (``info.optional``).

    Raises:
        DataError: a corrupt page (naming the file and the row reached), or a symbol,
            action or ``tif`` value :func:`inspect_source` did not see, should the file
            have changed since it was validated.
    """
    if info.book == BOOK_L2:
        raise DataError(f"{info.path}: holds L2 price levels (metadata {BOOK_KEY.decode()} = "
                        "l2); it replays as price levels (sim.model.l2_reader), not as "
                        "L3 event batches")
    parquet = open_parquet(info.path)
    codes = {name: code for code, name in enumerate(info.symbols)}
    wanted = np.array([codes[s] for s in symbols if s in codes], dtype=np.int32)
    action_codes = {action.label: action.value for action in OrderAction}
    account_names = pa.array(info.accounts, pa.string())
    base_row = 0
    columns = [*REQUIRED_COLUMNS, *info.optional]
    for batch in read_batches(info.path, parquet, columns):
        first_row, base_row = base_row, base_row + batch.num_rows
        ts = batch.column("ts").cast(pa.int64()).to_numpy()
        symbol_names = batch.column("symbol").cast(pa.string()).to_numpy(zero_copy_only=False)
        symbol = np.fromiter((codes.get(s, -1) for s in symbol_names), np.int32,
                             len(symbol_names))
        names = batch.column("action").cast(pa.string()).to_numpy(zero_copy_only=False)
        action = np.fromiter((action_codes.get(a, -1) for a in names), np.int8, len(names))
        _raise_if(info.path, first_row, (symbol < 0) | (action < 0), "symbol/action",
                  "not seen when the file was validated (it changed during the run)")
        keep = np.ones(len(ts), dtype=bool)
        if symbols:
            keep &= np.isin(symbol, wanted)
        if start_ns is not None:
            keep &= ts >= start_ns
        if end_ns is not None:
            keep &= ts < end_ns
        if not keep.any():
            continue
        tif = account = None
        if "tif" in info.optional:
            tif = _tif_codes(info.path, batch, first_row)[keep]
        if "account" in info.optional:
            account = (pc.index_in(batch.column("account").cast(pa.string()),
                                   value_set=account_names)
                       .fill_null(NO_ACCOUNT).cast(pa.int32()).to_numpy()[keep])
        yield EventColumns(
            ts_ns=ts[keep],
            symbol=symbol[keep],
            action=action[keep],
            order_id=batch.column("order_id").cast(pa.int64(), safe=False).to_numpy()[keep],
            side=batch.column("side").cast(pa.int8()).to_numpy()[keep],
            price=batch.column("price").cast(pa.int64()).fill_null(NO_PRICE).to_numpy()[keep],
            qty=batch.column("qty").cast(pa.int64()).fill_null(NO_QTY).to_numpy()[keep],
            symbols=info.symbols,
            tif=tif,
            account=account,
            accounts=info.accounts if account is not None else (),
        )
