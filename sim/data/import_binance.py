"""``sim data import binance``: Binance websocket captures to canonical L2 levels and trades.

Input (hftbacktest's collector format, ``data/binance/README.md``): one line per message,
``<local receive ns> <raw JSON>``: a REST depth snapshot (``lastUpdateId``, ``bids``,
``asks``), then ``depthUpdate`` diffs, ``trade`` and ``bookTicker`` messages.

The book is synchronised as Binance documents it. Diffs that arrive before the snapshot
are held; those it already contains (``u`` below ``lastUpdateId``, spot: at or below) are
dropped; the first one applied must straddle it (spot ``U <= lastUpdateId + 1 <= u``,
futures ``U <= lastUpdateId <= u``), and each later one must follow the previous exactly
(spot ``U == previous u + 1``, futures ``pu == previous u``). Anything else is a gap:
updates were lost, so the book from there on is unknown, and the import stops naming the
file and line. It is never papered over.

Output (an L2 file, ``docs/data.md``): the snapshot's levels, then one ``level`` row per
price in each diff (``qty`` the new total, 0 removes it) and one ``trade`` row per trade
(``side`` the maker's: buy when ``m``, the buyer is the maker; ``order_id`` the trade id).
``ts`` is the exchange's event time ``E`` (the snapshot's: its own ``E``, or the first
applied diff's on spot, whose snapshot has none); ``ts_recv`` the local receive time;
``source_line`` the input line. Messages cross streams out of ``E`` order by a few ms,
so rows are reordered in a one-second window (more is an error). Trades before the book
is synchronised and ``bookTicker`` messages (the best level again, without a time on
spot) are skipped and counted. Prices and quantities are exact integers at the smallest
power-of-ten scales that hold every value of the file (a first pass finds them), or at
the scales given.
"""

from __future__ import annotations

import gzip
import heapq
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from sim.core.vocabulary import NEVER
from sim.data.checks import batch_findings
from sim.data.schema import (
    BOOK_KEY,
    BOOK_L2,
    LEVEL_ACTION,
    QTY_SCALE_KEY,
    arrow_schema,
)
from sim.errors import DataError
from sim.outputs import output_file

REORDER_NS: Final[int] = 1_000_000_000
BATCH_ROWS: Final[int] = 65_536
_NS_PER_MS: Final[int] = 1_000_000
_UTC = pa.timestamp("ns", tz="UTC")
Row = tuple[int, str, int, int, int, int, int, int]
"""(ts, action, order_id, side, price, qty, ts_recv, source_line)."""


@dataclass(slots=True)
class BinanceStats:
    """What one capture import read and wrote."""

    lines: int = 0
    symbol: str = ""
    price_scale: int = 1
    qty_scale: int = 1
    snapshot_levels: int = 0
    diffs_applied: int = 0
    diffs_before_snapshot: int = 0
    level_rows: int = 0
    trades: int = 0
    trades_before_sync: int = 0
    book_tickers: int = 0
    rows_written: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


def _lines(path: Path) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(line number, local receive ns, message) of each line; bad lines raise DataError."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                local, _, raw = line.partition(" ")
                if not local.isdigit():
                    raise DataError(f"{path}: line {number}: expected '<local receive ns> "
                                    f"<JSON>', got {line[:40]!r}")
                try:
                    message = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path}: line {number}: bad JSON ({exc.msg} at column "
                                    f"{exc.colno})") from None
                if not isinstance(message, dict):
                    raise DataError(f"{path}: line {number}: a JSON object expected")
                yield number, int(local), message
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: unreadable or truncated gzip file ({exc})") from None


def _decimals(text: str) -> int:
    """Decimals ``text`` really uses (trailing zeros do not count)."""
    return len(text.partition(".")[2].rstrip("0"))


def _scaled(path: Path, number: int, text: object, digits: int) -> int:
    """Exact ``text`` x 10**digits, or a DataError naming the line."""
    if not isinstance(text, str):
        raise DataError(f"{path}: line {number}: expected a decimal string, got {text!r}")
    whole, _, fraction = text.strip().partition(".")
    fraction = fraction.rstrip("0")
    if not whole.isdigit() or (fraction and not fraction.isdigit()) or len(fraction) > digits:
        raise DataError(f"{path}: line {number}: {text!r} is not a decimal with at most "
                        f"{digits} decimals")
    return int(whole + fraction.ljust(digits, "0"))


def _payload(message: dict[str, Any]) -> dict[str, Any]:
    data = message.get("data", message)
    return data if isinstance(data, dict) else {}


def infer_scales(path: Path) -> tuple[int, int]:
    """Decimals of prices and of quantities: the most any value in the file uses."""
    price_digits = qty_digits = 0
    for _, _, message in _lines(path):
        data = _payload(message)
        pairs = [*data.get("bids", []), *data.get("asks", []), *data.get("b", []),
                 *data.get("a", [])] if isinstance(data.get("b", []), list) else []
        if data.get("e") == "trade":
            pairs.append([data.get("p", "0"), data.get("q", "0")])
        for pair in pairs:
            if isinstance(pair, list) and len(pair) == 2 and all(
                    isinstance(v, str) for v in pair):
                price_digits = max(price_digits, _decimals(pair[0]))
                qty_digits = max(qty_digits, _decimals(pair[1]))
    return price_digits, qty_digits


class _Capture:
    """The synchronisation state machine; ``rows`` is fed to the reorder buffer."""

    def __init__(self, path: Path, price_digits: int, qty_digits: int,
                 stats: BinanceStats) -> None:
        self.path, self.stats = path, stats
        self.digits = (price_digits, qty_digits)
        self.pending: list[tuple[int, int, dict[str, Any]]] = []
        self.snapshot: tuple[int, int, dict[str, Any]] | None = None
        self.previous: tuple[int, int] | None = None
        """(u, line) of the last diff applied: the book is synchronised once set."""
        self.rows: list[Row] = []

    def _levels(self, number: int, local: int, ts: int, side: int, pairs: object) -> None:
        if not isinstance(pairs, list):
            raise DataError(f"{self.path}: line {number}: price levels must be a list")
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise DataError(f"{self.path}: line {number}: level {pair!r} is not "
                                "[price, qty]")
            price = _scaled(self.path, number, pair[0], self.digits[0])
            qty = _scaled(self.path, number, pair[1], self.digits[1])
            self.rows.append((ts, LEVEL_ACTION, 0, side, price, qty, local, number))
            self.stats.level_rows += 1

    def message(self, number: int, local: int, message: dict[str, Any]) -> None:
        """Take one line's message."""
        if "lastUpdateId" in message:
            if self.snapshot is not None:
                raise DataError(f"{self.path}: line {number}: a second depth snapshot (the "
                                "collector resynchronised): split the file there")
            self.snapshot = (number, local, message)
            held, self.pending = self.pending, []
            for item in held:
                self._diff(*item)
            return
        data = _payload(message)
        kind = data.get("e", "bookTicker" if "bookTicker" in str(message.get("stream"))
                        else None)
        self._symbol(number, data)
        if kind == "depthUpdate":
            self._diff(number, local, data)
        elif kind == "trade":
            self._trade(number, local, data)
        elif kind == "bookTicker":
            self.stats.book_tickers += 1
        else:
            raise DataError(f"{self.path}: line {number}: unknown message type {kind!r} "
                            "(expected a depth snapshot, depthUpdate, trade or bookTicker)")

    def _symbol(self, number: int, data: dict[str, Any]) -> None:
        symbol = str(data.get("s", self.stats.symbol))
        if self.stats.symbol and symbol != self.stats.symbol:
            raise DataError(f"{self.path}: line {number}: symbol {symbol} after "
                            f"{self.stats.symbol}: one symbol per capture file")
        self.stats.symbol = symbol

    def _field(self, number: int, data: dict[str, Any], name: str) -> int:
        value = data.get(name)
        if not isinstance(value, int):
            raise DataError(f"{self.path}: line {number}: field {name!r} missing or not an "
                            "integer")
        return value

    def _diff(self, number: int, local: int, data: dict[str, Any]) -> None:
        if self.snapshot is None:
            self.pending.append((number, local, data))
            self.stats.diffs_before_snapshot += 1
            return
        first, last = self._field(number, data, "U"), self._field(number, data, "u")
        futures = "pu" in data
        ts = self._field(number, data, "E") * _NS_PER_MS
        if self.previous is None:
            snapshot_line, snapshot_local, snapshot = self.snapshot
            last_id = self._field(snapshot_line, snapshot, "lastUpdateId")
            target = last_id if futures else last_id + 1
            if last < target:
                return  # already in the snapshot
            if first > target:
                raise DataError(f"{self.path}: line {number}: sequence gap: the first depth "
                                f"diff after the snapshot of line {snapshot_line} starts at "
                                f"U={first}, after lastUpdateId {last_id}: updates were lost")
            snap_ts = snapshot.get("E")
            snap_ns = snap_ts * _NS_PER_MS if isinstance(snap_ts, int) else ts
            self._levels(snapshot_line, snapshot_local, snap_ns, 1, snapshot.get("bids"))
            self._levels(snapshot_line, snapshot_local, snap_ns, -1, snapshot.get("asks"))
            self.stats.snapshot_levels = self.stats.level_rows
        else:
            previous_u, previous_line = self.previous
            linked = data["pu"] == previous_u if futures else first == previous_u + 1
            if not linked:
                got = f"pu={data['pu']}" if futures else f"U={first}"
                raise DataError(f"{self.path}: line {number}: sequence gap: depth diff {got} "
                                f"does not follow u={previous_u} of line {previous_line}; "
                                "updates were lost")
        self.previous = (last, number)
        self.stats.diffs_applied += 1
        self._levels(number, local, ts, 1, data.get("b"))
        self._levels(number, local, ts, -1, data.get("a"))

    def _trade(self, number: int, local: int, data: dict[str, Any]) -> None:
        if self.previous is None:
            self.stats.trades_before_sync += 1
            return
        trade_type = data.get("X", "MARKET")
        if trade_type != "MARKET":
            key = f"trade_{str(trade_type).lower()}"
            self.stats.skipped[key] = self.stats.skipped.get(key, 0) + 1
            return
        side = 1 if data.get("m") is True else -1
        price = _scaled(self.path, number, data.get("p"), self.digits[0])
        qty = _scaled(self.path, number, data.get("q"), self.digits[1])
        ts = self._field(number, data, "E") * _NS_PER_MS
        self.rows.append((ts, "trade", self._field(number, data, "t"), side, price, qty,
                          local, number))
        self.stats.trades += 1


class _Writer:
    """Reorders rows by exchange time within :data:`REORDER_NS`, checks and writes them."""

    def __init__(self, path: Path, writer: pq.ParquetWriter, symbol: str) -> None:
        self.path, self.writer, self.symbol = path, writer, symbol
        self.heap: list[tuple[int, int, Row]] = []
        self.ready: list[Row] = []
        self.count = 0
        self.released = NEVER
        self.last_ts = NEVER
        self.newest = NEVER

    def push(self, rows: list[Row]) -> None:
        for row in rows:
            if row[0] < self.released:
                raise DataError(f"{self.path}: line {row[7]}: exchange time goes back "
                                f"{(self.released - row[0]) / 1e6:.0f} ms, more than the "
                                f"{REORDER_NS // _NS_PER_MS} ms reorder window")
            heapq.heappush(self.heap, (row[0], self.count, row))
            self.count += 1
            self.newest = max(self.newest, row[0])
        rows.clear()
        while self.heap and self.heap[0][0] <= self.newest - REORDER_NS:
            self._release(heapq.heappop(self.heap)[2])

    def _release(self, row: Row) -> None:
        self.released = row[0]
        self.ready.append(row)
        if len(self.ready) >= BATCH_ROWS:
            self.flush()

    def finish(self) -> int:
        while self.heap:
            self._release(heapq.heappop(self.heap)[2])
        self.flush()
        return self.count

    def flush(self) -> None:
        if not self.ready:
            return
        ts, action, order_id, side, price, qty, local, line = zip(*self.ready, strict=True)
        batch = pa.record_batch([
            pa.array(ts, pa.int64()).cast(_UTC),
            pa.array([self.symbol] * len(ts), pa.string()).dictionary_encode(),
            pa.array(action, pa.string()).dictionary_encode(), pa.array(order_id, pa.uint64()),
            pa.array(side, pa.int8()), pa.array(price, pa.int64()), pa.array(qty, pa.int64()),
            pa.array(local, pa.int64()).cast(_UTC), pa.array(line, pa.int64()),
        ], schema=self.writer.schema)
        findings, self.last_ts = batch_findings(batch, self.last_ts, BOOK_L2)
        if findings:
            item = findings[0]
            raise DataError(f"{self.path}: line {line[int(item.rows[0])]}, column "
                            f"{item.column!r}: {item.message}")
        self.writer.write_batch(batch)
        self.ready = []


def output_schema(price_scale: int, qty_scale: int) -> pa.Schema:
    """The L2 canonical schema with ``ts_recv`` and ``source_line``."""
    schema = arrow_schema(price_scale).append(pa.field("ts_recv", _UTC, nullable=False))
    schema = schema.append(pa.field("source_line", pa.int64(), nullable=False))
    return schema.with_metadata({**(schema.metadata or {}), BOOK_KEY: BOOK_L2.encode(),
                                 QTY_SCALE_KEY: str(qty_scale).encode()})


def import_binance(path: Path, out_path: Path, *, price_scale: int | None = None,
                   qty_scale: int | None = None) -> BinanceStats:
    """Convert a capture into an L2 canonical file (see the module note).

    Raises:
        DataError: bad or truncated input, bad JSON, an unknown message, a sequence gap,
            no snapshot or no diff after it, naming the file and line; nothing is written.
    """
    if out_path.is_dir():
        raise DataError(f"{out_path}: is a folder; -o/--out takes the Parquet file to write")
    digits = list(infer_scales(path))
    for index, (name, scale) in enumerate((("--price-scale", price_scale),
                                           ("--qty-scale", qty_scale))):
        if scale is not None:
            if scale <= 0 or scale != 10 ** (len(str(scale)) - 1):
                raise DataError(f"{name} {scale}: a power of ten (1, 10, 100, ...)")
            digits[index] = len(str(scale)) - 1
    stats = BinanceStats(price_scale=10 ** digits[0], qty_scale=10 ** digits[1])
    capture = _Capture(path, digits[0], digits[1], stats)
    with output_file(out_path) as temporary, pq.ParquetWriter(
            temporary, output_schema(stats.price_scale, stats.qty_scale)) as parquet:
        writer: _Writer | None = None
        for number, local, message in _lines(path):
            stats.lines = number
            capture.message(number, local, message)
            if capture.rows:
                writer = writer or _Writer(path, parquet, stats.symbol)
                writer.push(capture.rows)
        if capture.snapshot is None:
            raise DataError(f"{path}: no depth snapshot (a line with lastUpdateId) in "
                            f"{stats.lines} lines: the book cannot be known")
        if writer is None:
            raise DataError(f"{path}: no depth diff continues the snapshot of line "
                            f"{capture.snapshot[0]}")
        stats.rows_written = writer.finish()
    return stats
