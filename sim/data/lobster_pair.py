"""Check that a LOBSTER orderbook file belongs to the message file it is imported with.

Row ``i`` of ``<TICKER>_<date>_<start>_<end>_orderbook_N`` is the top-N book after
message ``i`` of ``..._message_N``. Any other pairing (another ticker, day or time
range, or another level N) still parses row by row, and before this check it was
imported with exit 0 and millions of ``window_mismatches``. Two checks refuse it:

- **Names**, when both files keep LOBSTER's naming: ticker, date, time range and
  level must agree. The level of a message file alone also fixes the orderbook's
  width (``4 * N`` columns), so a renamed level-5 book with level-1 messages is
  caught at its first row.
- **Content**, always: the importer counts rows after which a level inside the
  visible window disagrees with the orderbook file. For the three bundled real
  pairs that count is 0 over the whole day (330,947 rows); for a wrong pair it is
  85-90% of the first 1,000 rows (measured: AMZN messages with the AAPL book, and
  level 1 with level 5 either way). So more than 1% of the first 1,000 rows
  (or of all rows, for a shorter file) disagreeing is refused; a few odd rows in a
  real pair still pass and are counted in ``window_mismatches``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from sim.data.lobster_parse import BookRow
from sim.errors import DataError

CHECK_ROWS: Final[int] = 1_000
"""Rows of the pair compared before the import goes on (or stops)."""
MAX_DISAGREEING_PERCENT: Final[int] = 1
"""More than this share of the checked rows disagreeing means the files are no pair."""

_NAME = re.compile(
    r"(?P<ticker>.+)_(?P<date>\d{4}-\d{2}-\d{2})_(?P<start>\d+)_(?P<end>\d+)_"
    r"(?P<kind>message|orderbook)_(?P<level>\d+)\.csv(?:\.gz)?"
)
_FIELDS: Final[tuple[str, ...]] = ("ticker", "date", "start", "end", "level")


def _name_fields(path: Path) -> dict[str, str] | None:
    match = _NAME.fullmatch(path.name)
    return None if match is None else {name: match.group(name) for name in _FIELDS}


class PairCheck:
    """Refuse an orderbook file that does not belong to the message file.

    Args:
        message_path: The message file.
        orderbook_path: The orderbook file given with it.

    Raises:
        DataError: at construction, when both names follow LOBSTER's convention and
            differ in ticker, date, time range or level.
    """

    def __init__(self, message_path: Path, orderbook_path: Path) -> None:
        self._message_path = message_path
        self._orderbook_path = orderbook_path
        self._level: int | None = None
        self._checked = self._disagreeing = self._mismatches = 0
        message, book = _name_fields(message_path), _name_fields(orderbook_path)
        if message is not None:
            self._level = int(message["level"])
        if message is None or book is None:
            return
        for name in _FIELDS:
            if message[name] != book[name]:
                raise DataError(
                    f"{orderbook_path}: not the orderbook of {message_path.name} "
                    f"({name} {book[name]} in its name, {message[name]} in the message "
                    f"file's); give the ..._orderbook_{message['level']} file of the same "
                    "ticker, date and time range")

    def first_row(self, row: BookRow) -> None:
        """Check the orderbook's width against the level in the message file's name."""
        if self._level is not None and row.depth != self._level:
            raise DataError(
                f"{self._orderbook_path}: line 1: {4 * row.depth} columns is a level-"
                f"{row.depth} book, but {self._message_path.name} holds level-{self._level} "
                f"messages (expected {4 * self._level} columns); give the matching "
                f"..._orderbook_{self._level} file")

    def after_row(self, rows_read: int, window_mismatches: int) -> None:
        """Count one more row; at row :data:`CHECK_ROWS` decide whether the pair holds."""
        if rows_read > CHECK_ROWS:
            return
        self._checked = rows_read
        if window_mismatches != self._mismatches:
            self._disagreeing += 1
            self._mismatches = window_mismatches
        if rows_read == CHECK_ROWS:
            self.finish()

    def finish(self) -> None:
        """Refuse the pair when too many of the checked rows disagreed."""
        if self._disagreeing * 100 > self._checked * MAX_DISAGREEING_PERCENT:
            raise DataError(
                f"{self._orderbook_path}: {self._disagreeing} of the first {self._checked} "
                f"rows disagree with {self._message_path.name} (levels inside the visible "
                "window differ); the orderbook file does not belong to this message file: "
                "give the one of the same ticker, date, time range and level")
