"""Import LOBSTER message files (optionally with their orderbook file) as canonical L3 events.

Mapping (one canonical row per message unless stated; ``docs/lobster.md`` has the why):

- Time: the message's seconds after midnight (parsed exactly from its decimal text into
  integer ns) on ``date``'s wall clock in zone ``tz`` (the venue's: America/New_York),
  stored as the true UTC instant: 09:30 in June is 13:30 UTC, in December 14:30.
- Type 1 -> ``add``. Type 2 -> ``cancel`` with ``qty`` (partial). Type 3 ->
  ``cancel`` with null ``qty`` (the whole order). Types 5 and 6 -> ``trade``
  (a print, no book change; ``side`` is the message's direction). Type 7 (halt)
  -> nothing, counted in ``halts``.
- Type 4: consecutive type-4 rows with one timestamp and direction are one
  aggressor: an ``add`` with ``tif="ioc"`` on the opposite side, limited at the
  worst executed price, for the summed size. It is used only when a strict FIFO
  book would fill exactly the orders the rows name (the importer keeps a shadow
  of the replay book's queues to check); otherwise (Nasdaq did not follow strict
  price-time priority) each row becomes an ``execute`` of the named order, so
  replay still rebuilds the real book. Without an orderbook file the aggressor
  is always used.
- Synthetic order ids (blocks and aggressors) count up from ``2**62`` in
  emission order; LOBSTER ids at or above that are rejected.

With ``orderbook_path`` (row i = the top-N book after message i):

- Seeding: the book before message 1 (row 1 with message 1 undone) is emitted
  as one resting ``add`` per level, a *block* with a synthetic id, at the first
  timestamp (``source_line`` 0).
- The visible window: a level-N message file shows no event beyond depth N.
  A level pushed beyond depth N is forgotten (its orders cancelled); a level
  entering from beyond depth N is added as a block with the file's size. So the
  replay book holds exactly the file's window.
- Unknown ids: a cancel or execution naming an order not live in the importer's
  model (rested before the window, or forgotten with its level) applies to the
  block at its level; if there is none it is dropped and counted
  (``unresolved_references``).

Columns: the canonical ones, ``tif`` (``"ioc"`` on aggressors, else null) and
``source_line``, the message line each event comes from (0 for the seeded book;
a merged aggressor carries the line of its last row), so a replay can be
compared with the orderbook file row by row.
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq

from sim.core.vocabulary import OrderAction
from sim.data.lobster_pair import PairCheck
from sim.data.lobster_parse import BookRow, Message, iter_messages, iter_orderbook
from sim.data.lobster_translate import Counts, Event, Translator
from sim.data.schema import DEFAULT_PRICE_SCALE, arrow_schema
from sim.errors import DataError

BATCH_EVENTS: Final[int] = 65_536
_EPOCH: Final[dt.date] = dt.date(1970, 1, 1)
_NS_PER_DAY: Final[int] = 86_400 * 1_000_000_000
VENUE_ZONE: Final[str] = "America/New_York"
"""LOBSTER's clock: Nasdaq's local time."""


def local_midnight_ns(date: dt.date, tz: str) -> int:
    """UTC ns of ``date``'s midnight on ``tz``'s wall clock, at the offset of that day.

    The offset is the one in force at noon: DST switches happen at night (2 am, on a
    Sunday in New York), outside every trading session, so one offset serves the day.

    Raises:
        DataError: ``tz`` is not an IANA zone name.
    """
    try:
        zone = zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise DataError(f"--tz {tz!r}: unknown time zone (an IANA name such as "
                        f"{VENUE_ZONE} or UTC)") from None
    offset = dt.datetime.combine(date, dt.time(12), tzinfo=zone).utcoffset()
    offset_ns = 0 if offset is None else (offset // dt.timedelta(microseconds=1)) * 1_000
    return (date - _EPOCH).days * _NS_PER_DAY - offset_ns
_ACTIONS = pa.array(OrderAction.labels(), pa.string())
"""Dictionary of the ``action`` column: labels indexed by ``OrderAction`` code."""


@dataclass(frozen=True, slots=True)
class ImportStats:
    """What one LOBSTER import read and wrote.

    Attributes:
        rows_read: Message rows read.
        events_written: Canonical rows written.
        events_by_action: Rows written per action name (every action present, 0 if unused).
        aggressors: IOC aggressors written for type-4 rows.
        aggressor_rows: Type-4 rows those aggressors stand for.
        merged_rows: Type-4 rows folded into an aggressor written at a later row.
        non_fifo_rows: Type-4 rows written as ``execute`` (no FIFO aggressor explains them).
        seeded_levels: Levels seeded from the orderbook file before the first message.
        window_entries: Levels that entered the visible window from beyond depth N.
        window_exits: Levels that left the visible window (forgotten).
        window_exit_orders: Orders cancelled because their level left the window.
        window_mismatches: Levels inside the window that disagreed with the orderbook
            file and were left alone (0 for a consistent pair).
        unknown_id_references: Cancels/executions naming an order not live in the model.
        unresolved_references: Those of them with no block to apply to (dropped).
        halts: Type-7 rows (skipped).
    """

    rows_read: int
    events_written: int
    events_by_action: dict[str, int]
    aggressors: int
    aggressor_rows: int
    merged_rows: int
    non_fifo_rows: int
    seeded_levels: int
    window_entries: int
    window_exits: int
    window_exit_orders: int
    window_mismatches: int
    unknown_id_references: int
    unresolved_references: int
    halts: int


def _output_schema() -> pa.Schema:
    """Canonical schema plus ``tif`` and the extra ``source_line`` column."""
    schema = arrow_schema(DEFAULT_PRICE_SCALE)
    return schema.append(pa.field("tif", pa.string())).append(
        pa.field("source_line", pa.int64(), nullable=False)
    )


class _Columns:
    """Column buffers that flush canonical events to a ParquetWriter in batches."""

    def __init__(self, writer: pq.ParquetWriter, symbol: str, midnight_ns: int) -> None:
        self._writer = writer
        self._symbol = pa.array([symbol], pa.string())
        self._midnight_ns = midnight_ns
        self._events: list[Event] = []
        self.counts = dict.fromkeys(OrderAction.labels(), 0)
        self.written = 0

    def extend(self, events: list[Event]) -> None:
        self._events.extend(events)
        events.clear()
        if len(self._events) >= BATCH_EVENTS:
            self.flush()

    def flush(self) -> None:
        events = self._events
        if not events:
            return
        count = len(events)
        ts, action, order_id, side, price, qty, tif, line = zip(*events, strict=True)
        codes = [int(a) for a in action]
        for a in action:
            self.counts[a.label] += 1
        midnight = self._midnight_ns
        arrays = [
            pa.array([midnight + t for t in ts], pa.timestamp("ns", tz="UTC")),
            pa.DictionaryArray.from_arrays(pa.array([0] * count, pa.int32()), self._symbol),
            pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), _ACTIONS),
            pa.array(order_id, pa.uint64()),
            pa.array(side, pa.int8()),
            pa.array(price, pa.int64()),
            pa.array(qty, pa.int64()),
            pa.array(tif, pa.string()),
            pa.array(line, pa.int64()),
        ]
        self._writer.write_batch(pa.record_batch(arrays, schema=self._writer.schema))
        self.written += count
        events.clear()


def _paired(
    message_path: Path, orderbook_path: Path | None
) -> Iterator[tuple[Message, BookRow | None]]:
    """Yield each message with its orderbook row, checking order of time and equal lengths."""
    messages = iter_messages(message_path)
    rows = iter_orderbook(orderbook_path) if orderbook_path is not None else None
    last_ns = -1
    line = 0
    for message in messages:
        line = message.line
        if message.time_ns < last_ns:
            raise DataError(f"{message_path}: line {line}, column 'time': time goes backwards")
        last_ns = message.time_ns
        row = None
        if rows is not None:
            row = next(rows, None)
            if row is None:
                raise DataError(
                    f"{orderbook_path}: ends at line {line - 1}, but "
                    f"{message_path} has a row at line {line}"
                )
        yield message, row
    if rows is not None and next(rows, None) is not None:
        raise DataError(f"{orderbook_path}: has more rows than the {line} of {message_path}")


def _translate(
    message_path: Path, orderbook_path: Path | None, columns: _Columns
) -> tuple[int, Counts]:
    """Run the translator over the file pair, feeding ``columns``; return rows read and counts."""
    translator = Translator(message_path, with_book=orderbook_path is not None)
    pair = PairCheck(message_path, orderbook_path) if orderbook_path is not None else None
    group: list[Message] = []
    group_rows: list[BookRow | None] = []
    rows_read = 0
    for message, row in _paired(message_path, orderbook_path):
        if pair is not None:
            pair.after_row(rows_read, translator.counts.window_mismatches)
        if rows_read == 0 and row is not None and pair is not None:
            pair.first_row(row)
            translator.seed(message, row)
        rows_read += 1
        if group and not (
            message.type == 4
            and message.time_ns == group[0].time_ns
            and message.direction == group[0].direction
        ):
            translator.executions(group, group_rows)
            group, group_rows = [], []
        if message.type == 4:
            group.append(message)
            group_rows.append(row)
        else:
            translator.process(message, row)
        columns.extend(translator.events)
    if group:
        translator.executions(group, group_rows)
    columns.extend(translator.events)
    if pair is not None:
        pair.after_row(rows_read, translator.counts.window_mismatches)
        pair.finish()
    return rows_read, translator.counts


def import_lobster(
    message_path: Path,
    out_path: Path,
    *,
    symbol: str,
    date: dt.date,
    orderbook_path: Path | None = None,
    tz: str = VENUE_ZONE,
) -> ImportStats:
    """Convert a LOBSTER message file (plus its orderbook file) into a canonical Parquet file.

    The output is written to a temporary file next to ``out_path`` and renamed into
    place only when complete; on any error nothing is left behind.

    Args:
        message_path: ``*_message_N.csv`` (plain or gzip).
        out_path: Parquet file to write (replaced if it exists).
        symbol: Instrument name for the ``symbol`` column.
        date: Trading day; times are seconds after its midnight on ``tz``'s clock.
        orderbook_path: The matching ``*_orderbook_N.csv``; enables seeding and the
            visible-window handling that lets replay rebuild LOBSTER's book exactly.
        tz: Zone of LOBSTER's clock (the venue's); ``ts`` is stored as the UTC instant.

    Returns:
        Counts of what was read and written.

    Raises:
        DataError: on a missing, malformed or truncated input (naming the file and
            1-based line), an orderbook file that is not the message file's pair
            (see :mod:`sim.data.lobster_pair`), an empty ``symbol`` or an ``out_path``
            that is a folder.
    """
    if not symbol.strip():
        raise DataError(f"--symbol {symbol!r}: give the instrument name to write, e.g. AMZN")
    if out_path.is_dir():
        raise DataError(f"{out_path}: is a folder; -o/--out takes the Parquet file to write "
                        f"(e.g. {out_path / (symbol.strip() + '.parquet')})")
    midnight_ns = local_midnight_ns(date, tz)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    temp = out_path.with_name(f".{out_path.name}.{os.getpid()}.tmp")
    try:
        with pq.ParquetWriter(temp, _output_schema()) as writer:
            columns = _Columns(writer, symbol, midnight_ns)
            rows_read, counts = _translate(message_path, orderbook_path, columns)
            columns.flush()
        os.replace(temp, out_path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return ImportStats(
        rows_read=rows_read,
        events_written=columns.written,
        events_by_action=dict(columns.counts),
        **counts.as_dict(),
    )
