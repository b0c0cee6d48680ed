"""Strict line parsers for LOBSTER message and orderbook files (plain or gzip CSV).

Every field is parsed exactly from its text: the time column (seconds after
midnight with up to nine decimals) becomes integer nanoseconds by splitting on
the decimal point, never through a float. A malformed line raises
:class:`~sim.errors.DataError` naming the file, the 1-based line and the column.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Final, NamedTuple

from sim.errors import DataError

MESSAGE_COLUMNS: Final[tuple[str, ...]] = (
    "time",
    "type",
    "order_id",
    "size",
    "price",
    "direction",
)
"""Column names of a LOBSTER message file, in file order."""
MESSAGE_TYPES: Final[frozenset[int]] = frozenset({1, 2, 3, 4, 5, 6, 7})
"""Known event types (6, a cross trade, appears in newer LOBSTER output only)."""
EMPTY_LEVEL_PRICE: Final[int] = 9_999_999_999
"""Dummy price (negated for bids) LOBSTER writes for an unoccupied level."""

_TIME = re.compile(r"(\d+)(?:\.(\d+))?")
_INT = re.compile(r"-?\d+")
_INT_LINE = re.compile(r"-?\d+(?:,-?\d+)*")
_MESSAGE_LINE = re.compile(r"\d+(?:\.\d+)?,\d,\d+,\d+,-?\d+,-?\d")
_NS_DIGITS = 9


class Message(NamedTuple):
    """One parsed message row; ``line`` is its 1-based line number in the file."""

    line: int
    time_ns: int
    type: int
    order_id: int
    size: int
    price: int
    direction: int


Level = tuple[int, int]
"""An occupied price level: ``(price, size)``."""


class BookRow(NamedTuple):
    """One orderbook row: the occupied levels of each side, best first."""

    line: int
    depth: int
    """Levels per side the file records (N of ``orderbook_N``)."""
    asks: tuple[Level, ...]
    bids: tuple[Level, ...]


def open_text(path: Path) -> IO[str]:
    """Open an ASCII CSV file for reading, gunzipping it when it starts with the gzip magic.

    Raises:
        DataError: when the file does not exist or cannot be opened (a folder, no access).
    """
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror or exc})") from None
    # A byte that is not ASCII becomes a lone surrogate, so the row fails its pattern
    # and the error names the right line and column (not the 8 KiB chunk it came in).
    if raw.peek(2)[:2] == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="ascii",
                                errors="surrogateescape", newline="")
    return io.TextIOWrapper(raw, encoding="ascii", errors="surrogateescape", newline="")


def _readable(path: Path, handle: IO[str]) -> Iterator[str]:
    """The lines of ``handle``; a failure to read or decode one is a DataError.

    Raises:
        DataError: a truncated or corrupt gzip stream or a read error, naming the file
            and the line reached.
    """
    lines = iter(handle)
    line = 0
    while True:
        try:
            raw = next(lines, None)
        except (EOFError, zlib.error, OSError) as exc:
            problem = ("the gzip stream ends early (truncated file?)"
                       if isinstance(exc, EOFError) else " ".join(str(exc).split()))
            raise DataError(f"{path}: line {line + 1}: cannot read: {problem}") from None
        if raw is None:
            return
        line += 1
        yield raw


def parse_time_ns(text: str, path: Path, line: int) -> int:
    """Parse LOBSTER's ``seconds.fraction`` text into integer nanoseconds, exactly.

    LOBSTER writes at most nine decimals, except for rare rows printed with
    binary-float noise (``43002.632812672004`` in the AMZN level-5 sample):
    digits beyond the nanosecond are rounded half up, on the decimal text.

    Raises:
        DataError: when the text is not a plain decimal number.
    """
    match = _TIME.fullmatch(text)
    if match is None:
        raise DataError(f"{path}: line {line}, column 'time': {text!r} is not a decimal number")
    seconds, fraction = match.group(1), match.group(2) or ""
    round_up = len(fraction) > _NS_DIGITS and fraction[_NS_DIGITS] >= "5"
    nanos = int(fraction[:_NS_DIGITS].ljust(_NS_DIGITS, "0")) + round_up
    return int(seconds) * 1_000_000_000 + nanos


def _message_error(path: Path, line: int, text: str) -> DataError:
    """Diagnose why a message line failed the fast pattern and build the error."""
    fields = text.split(",")
    if len(fields) != len(MESSAGE_COLUMNS):
        return DataError(
            f"{path}: line {line}: expected {len(MESSAGE_COLUMNS)} columns "
            f"({', '.join(MESSAGE_COLUMNS)}), found {len(fields)}"
        )
    parse_time_ns(fields[0], path, line)
    for name, value in zip(MESSAGE_COLUMNS[1:], fields[1:], strict=True):
        if _INT.fullmatch(value) is None:
            return DataError(f"{path}: line {line}, column {name!r}: {value!r} is not an integer")
    return _check_values(path, line, [int(value) for value in fields[1:]]) or DataError(
        f"{path}: line {line}: malformed message row {text!r}"
    )


def _check_values(path: Path, line: int, values: list[int]) -> DataError | None:
    """Return the error for out-of-range type, id, size or direction, if any."""
    kind, order_id, size, price, direction = values
    where = f"{path}: line {line}, column"
    if kind not in MESSAGE_TYPES:
        return DataError(f"{where} 'type': unknown event type {kind} (expected 1-7)")
    if direction not in (1, -1):
        return DataError(f"{where} 'direction': {direction} (expected 1 buy or -1 sell)")
    if order_id < 0:
        return DataError(f"{where} 'order_id': negative order id {order_id}")
    if kind != 7 and size <= 0:
        return DataError(f"{where} 'size': size must be positive, found {size}")
    if kind != 7 and price <= 0:
        return DataError(f"{where} 'price': price must be positive, found {price}")
    return None


def iter_messages(path: Path) -> Iterator[Message]:
    """Yield the rows of a LOBSTER message file in file order, validated.

    Raises:
        DataError: on a malformed row, naming the file, line and column.
    """
    with open_text(path) as handle:
        for line, raw in enumerate(_readable(path, handle), start=1):
            text = raw.rstrip("\r\n")
            if _MESSAGE_LINE.fullmatch(text) is None:
                raise _message_error(path, line, text)
            time_text, kind, order_id, size, price, direction = text.split(",")
            values = [int(kind), int(order_id), int(size), int(price), int(direction)]
            error = _check_values(path, line, values)
            if error is not None:
                raise error
            yield Message(line, parse_time_ns(time_text, path, line), *values)


def _book_side(values: list[int], start: int, path: Path, line: int) -> tuple[Level, ...]:
    """Occupied levels of one side (``start`` 0 asks, 2 bids) of an orderbook row."""
    levels = []
    for index in range(start, len(values), 4):
        price, size = values[index], values[index + 1]
        if size == 0 and abs(price) == EMPTY_LEVEL_PRICE:
            continue
        if size <= 0 or price <= 0:
            level = index // 4 + 1
            name = "ask" if start == 0 else "bid"
            raise DataError(
                f"{path}: line {line}, column {index + 1}: {name} level {level} has price "
                f"{price} and size {size} (expected both positive, or an empty-level dummy)"
            )
        levels.append((price, size))
    return tuple(levels)


def _book_error(path: Path, line: int, fields: list[str], width: int) -> DataError:
    """Diagnose why an orderbook line failed the fast pattern and build the error."""
    if len(fields) != width:
        return DataError(f"{path}: line {line}: expected {width} columns, found {len(fields)}")
    for column, value in enumerate(fields, start=1):
        if _INT.fullmatch(value) is None:
            return DataError(f"{path}: line {line}, column {column}: {value!r} is not an integer")
    return DataError(f"{path}: line {line}: malformed orderbook row")  # pragma: no cover


def iter_orderbook(path: Path) -> Iterator[BookRow]:
    """Yield the rows of a LOBSTER orderbook file; every row must have the first row's width.

    Raises:
        DataError: on a malformed row, naming the file, line and column.
    """
    width = 0
    with open_text(path) as handle:
        for line, raw in enumerate(_readable(path, handle), start=1):
            text = raw.rstrip("\r\n")
            fields = text.split(",")
            if width == 0:
                width = len(fields)
                if width % 4:
                    raise DataError(
                        f"{path}: line {line}: {width} columns is not a multiple of 4 "
                        "(ask price, ask size, bid price, bid size per level)"
                    )
            if len(fields) != width or _INT_LINE.fullmatch(text) is None:
                raise _book_error(path, line, fields, width)
            values = [int(value) for value in fields]
            yield BookRow(
                line,
                width // 4,
                _book_side(values, 0, path, line),
                _book_side(values, 2, path, line),
            )
