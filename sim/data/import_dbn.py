"""``sim data import dbn``: Databento MBO files (DBN, plain or zstd) to canonical L3 events.

Mapping of MBO actions (one canonical row each unless stated):

- ``A`` add -> ``add`` (order id, side, price, size).
- ``C`` cancel -> ``cancel`` with ``qty`` = the size cancelled (a partial cancel keeps
  the order's priority; the whole order when it is all of it).
- ``M`` modify -> ``modify`` with the new price and size.
- ``F`` fill -> ``execute``: the named resting order was filled by ``size`` (the aggressor
  is the ``T`` record).
- ``T`` trade -> ``trade``, a print that changes no book; Databento gives the aggressor's
  side, so ``side`` is its opposite (the resting side, as for every ``trade`` row). A trade
  without a side (``N``) is skipped and counted.
- ``R`` clear -> one ``cancel`` (whole order) per order then resting on that instrument,
  from the importer's own record of the file's adds, fills and cancels.
- ``N`` none -> nothing (counted).

Prices stay in DBN's fixed 1e-9 units: the file's ``ticktwin.price_scale`` is
1,000,000,000. ``ts`` is ``ts_event``; ``ts_recv`` (Databento's capture time) is kept as
a second column. DBN files are in ``ts_recv`` order, the order a book must be rebuilt in,
and ``ts_event`` can step back across channels; such a row keeps its place (reordering
could put a fill before its add) and its ``ts`` is raised to the previous row's, counted
in ``ts_event_raised``; ``ts_recv`` stays exact.
``source_record`` (extra column) is the 1-based record number each row comes from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import databento_dbn as dbn
import pyarrow as pa
import pyarrow.parquet as pq

from sim.core.vocabulary import NEVER, OrderAction
from sim.data.checks import batch_findings
from sim.data.schema import arrow_schema
from sim.errors import DataError
from sim.outputs import output_file

CHUNK_BYTES: Final[int] = 1 << 20
BATCH_ROWS: Final[int] = 65_536
ZSTD_MAGIC: Final[bytes] = b"\x28\xb5\x2f\xfd"
_SIDES: Final[dict[str, int]] = {"B": 1, "A": -1}
_UTC = pa.timestamp("ns", tz="UTC")
_ADD, _CANCEL, _MODIFY = OrderAction.ADD.label, OrderAction.CANCEL.label, OrderAction.MODIFY.label
_EXECUTE, _TRADE = OrderAction.EXECUTE.label, OrderAction.TRADE.label


@dataclass(slots=True)
class DbnStats:
    """What one DBN import read and wrote."""

    records: int = 0
    rows_written: int = 0
    rows_by_action: dict[str, int] = field(default_factory=dict)
    clears: int = 0
    clear_cancels: int = 0
    trades_without_side: int = 0
    none_records: int = 0
    ts_event_raised: int = 0
    dataset: str = ""


def output_schema() -> pa.Schema:
    """Canonical schema at DBN's price scale, plus ``ts_recv`` and ``source_record``."""
    schema = arrow_schema(dbn.FIXED_PRICE_SCALE)
    return schema.append(pa.field("ts_recv", _UTC, nullable=False)).append(
        pa.field("source_record", pa.int64(), nullable=False))


def _records(path: Path) -> Iterator[dbn.Metadata | dbn.DBNRecord]:
    """Decode ``path`` chunk by chunk (zstd by its magic bytes); refuse damage by record."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    with handle:
        head = handle.read(4)
        zstd = head == ZSTD_MAGIC
        decoder = dbn.DBNDecoder(compression=dbn.Compression.from_str("zstd" if zstd else "none"))
        decoded_items, chunk = 0, head
        while chunk:
            try:
                decoder.write(chunk)
                decoded = decoder.decode()
            except dbn.DBNError as exc:
                raise DataError(f"{path}: cannot decode {_where(path, zstd, decoded_items)} "
                                f"({exc}); not a DBN file, or a damaged one") from None
            decoded_items += len(decoded)
            yield from decoded
            chunk = handle.read(CHUNK_BYTES)
        left = len(decoder.buffer())
    if decoded_items == 0:
        raise DataError(f"{path}: empty or truncated before the end of its DBN metadata")
    if left:
        raise DataError(f"{path}: truncated: record {decoded_items} is incomplete ({left} bytes "
                        "at the end of the file)")


def _where(path: Path, zstd: bool, decoded_items: int) -> str:
    """Name the record that failed to decode.

    Exact for plain files (walking the record lengths to the first unknown record type),
    a lower bound for zstd ones.
    """
    if decoded_items == 0 and (zstd or path.stat().st_size < 8):
        return "the metadata"
    if not zstd:
        data = path.read_bytes()
        if data[:3] != b"DBN":
            return "the metadata"
        offset, number = 8 + int.from_bytes(data[4:8], "little"), 1
        while offset + 2 <= len(data):
            if data[offset] == 0:
                return f"record {number} (a record length of 0)"
            try:
                dbn.RType.from_int(data[offset + 1])
            except (ValueError, dbn.DBNError):
                return f"record {number} (unknown record type 0x{data[offset + 1]:02x})"
            offset, number = offset + 4 * data[offset], number + 1
    return f"record {max(decoded_items, 1)} or a later one"


class _Symbols:
    """Instrument id -> symbol, from the metadata's mappings and symbol-mapping records."""

    def __init__(self, metadata: dbn.Metadata) -> None:
        self._by_id: dict[int, list[tuple[dt.date, dt.date, str]]] = {}
        for raw_symbol, intervals in (metadata.mappings or {}).items():
            for interval in intervals:
                try:
                    instrument = int(interval["symbol"])
                except ValueError:
                    continue
                self._by_id.setdefault(instrument, []).append(
                    (interval["start_date"], interval["end_date"], raw_symbol))

    def update(self, record: dbn.SymbolMappingMsg) -> None:
        self._by_id[record.instrument_id] = [(dt.date.min, dt.date.max,
                                              record.stype_out_symbol or record.stype_in_symbol)]

    def name(self, instrument: int, ts_ns: int) -> str:
        intervals = self._by_id.get(instrument)
        if not intervals:
            return str(instrument)
        if len(intervals) == 1:
            return intervals[0][2]
        day = dt.datetime.fromtimestamp(ts_ns // 1_000_000_000, dt.UTC).date()
        return next((symbol for start, end, symbol in intervals if start <= day < end),
                    str(instrument))


class _Rows:
    """Canonical rows of the import, flushed to ``writer`` batch by batch, checked."""

    def __init__(self, path: Path, writer: pq.ParquetWriter, stats: DbnStats) -> None:
        self.path, self.writer, self.stats = path, writer, stats
        self.columns: list[list[object]] = [[] for _ in range(9)]
        self.last_ts = NEVER
        self.resting: dict[int, dict[int, tuple[int, int]]] = {}
        """Instrument -> order id -> (side, remaining size): for clears."""

    def add(self, values: tuple[object, ...]) -> None:
        for column, value in zip(self.columns, values, strict=True):
            column.append(value)
        action = str(values[2])
        self.stats.rows_by_action[action] = self.stats.rows_by_action.get(action, 0) + 1
        if len(self.columns[0]) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.columns[0]:
            return
        ts, symbol, action, order_id, side, price, qty, recv, record = self.columns
        batch = pa.record_batch([
            pa.array(ts, pa.int64()).cast(_UTC), pa.array(symbol, pa.string()).dictionary_encode(),
            pa.array(action, pa.string()).dictionary_encode(), pa.array(order_id, pa.uint64()),
            pa.array(side, pa.int8()), pa.array(price, pa.int64()), pa.array(qty, pa.int64()),
            pa.array(recv, pa.int64()).cast(_UTC), pa.array(record, pa.int64()),
        ], schema=self.writer.schema)
        findings, self.last_ts = batch_findings(batch, self.last_ts)
        if findings:
            first = findings[0]
            raise DataError(f"{self.path}: record {record[int(first.rows[0])]}, column "
                            f"{first.column!r}: {first.message}")
        self.writer.write_batch(batch)
        self.stats.rows_written += batch.num_rows
        self.columns = [[] for _ in range(9)]


def _code(value: object) -> str:
    """The one-letter code of a DBN enum member (``Action.ADD`` -> ``A``)."""
    return str(getattr(value, "value", value))


def _side(path: Path, number: int, record: dbn.MBOMsg) -> int:
    side = _SIDES.get(_code(record.side))
    if side is None:
        raise DataError(f"{path}: record {number}: action {_code(record.action)!r} with side "
                        f"{_code(record.side)!r} (an order needs side B or A)")
    return side


def _mbo(path: Path, rows: _Rows, number: int, record: dbn.MBOMsg, symbol: str, ts: int
         ) -> None:
    """Translate one MBO record into rows (and keep the resting-order record for clears)."""
    action = _code(record.action)
    stats, recv = rows.stats, record.ts_recv
    instrument = record.instrument_id
    book = rows.resting.setdefault(instrument, {})
    price = None if record.price == dbn.UNDEF_PRICE else record.price
    if action == "R":
        stats.clears += 1
        for order_id, (side, size) in sorted(book.items()):
            rows.add((ts, symbol, _CANCEL, order_id, side, None, size, recv, number))
            stats.clear_cancels += 1
        book.clear()
    elif action == "N":
        stats.none_records += 1
    elif action == "T":
        aggressor = _SIDES.get(_code(record.side))
        if aggressor is None:
            stats.trades_without_side += 1
            return
        rows.add((ts, symbol, _TRADE, record.order_id, -aggressor, price, record.size, recv,
                  number))
    elif action in ("A", "C", "M", "F"):
        side = _side(path, number, record)
        label = {"A": _ADD, "C": _CANCEL, "M": _MODIFY, "F": _EXECUTE}[action]
        rows.add((ts, symbol, label, record.order_id, side,
                  None if action == "C" else price, record.size, recv, number))
        _track(book, action, record.order_id, side, record.size)
    else:
        raise DataError(f"{path}: record {number}: unknown MBO action {action!r}")


def _track(book: dict[int, tuple[int, int]], action: str, order_id: int, side: int,
           size: int) -> None:
    if action in ("A", "M"):
        book[order_id] = (side, size)
        return
    _, left = book.get(order_id, (side, 0))
    if left - size > 0:
        book[order_id] = (side, left - size)
    else:
        book.pop(order_id, None)


def import_dbn(path: Path, out_path: Path) -> DbnStats:
    """Convert a DBN MBO file into canonical Parquet at ``out_path`` (see the module note).

    Raises:
        DataError: not DBN, not MBO, truncated, an undecodable or unexpected record, or a
            row the canonical checks refuse, naming the file and record; nothing is written.
    """
    if out_path.is_dir():
        raise DataError(f"{out_path}: is a folder; -o/--out takes the Parquet file to write")
    stats = DbnStats()
    records = _records(path)
    metadata = next(records, None)
    if not isinstance(metadata, dbn.Metadata):
        raise DataError(f"{path}: no DBN metadata at the start")
    if str(metadata.schema) != "mbo":
        raise DataError(f"{path}: schema {metadata.schema}: only MBO (order-level) files "
                        "convert to canonical L3 events")
    stats.dataset = metadata.dataset
    symbols = _Symbols(metadata)
    with output_file(out_path) as temporary, \
            pq.ParquetWriter(temporary, output_schema()) as writer:
        rows = _Rows(path, writer, stats)
        last_ts = NEVER
        for number, record in enumerate(records, start=1):
            stats.records += 1
            if isinstance(record, dbn.MBOMsg):
                ts = record.ts_event
                if ts < last_ts:
                    stats.ts_event_raised += 1
                    ts = last_ts
                last_ts = ts
                _mbo(path, rows, number, record, symbols.name(record.instrument_id, ts), ts)
            elif isinstance(record, dbn.SymbolMappingMsg):
                symbols.update(record)
            elif not isinstance(record, (dbn.SystemMsg, dbn.ErrorMsg)):
                kind = getattr(record, "rtype", type(record).__name__)
                raise DataError(f"{path}: record {number}: unexpected record type {kind} "
                                "in an MBO file")
        rows.flush()
        if stats.rows_written == 0:
            raise DataError(f"{path}: no MBO records to convert")
    return stats
