"""Stream a user's CSV (plain or gzip) or Parquet table in record batches, rows located.

CSV is read with ``pyarrow.csv.open_csv`` in blocks, every mapped column as text (so no
type is guessed: a timestamp column stays text until the mapping's explicit unit or
format reads it), single-threaded so a malformed row (a wrong number of fields) has a
known line. Such rows are set aside and reported; the rows after them keep their true
line numbers. Parquet is read with ``iter_batches``. Memory is one block, whatever the
file's size.
"""

from __future__ import annotations

import bisect
import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from sim.errors import DataError

BLOCK_BYTES: Final[int] = 4 << 20
BATCH_ROWS: Final[int] = 65_536
_ERRORS = (pa.ArrowException, OSError)


def is_csv(path: Path) -> bool:
    """Whether ``path`` names a CSV file (``.csv``, ``.csv.gz``, ``.txt``...), by its suffixes."""
    return any(suffix in (".csv", ".tsv", ".txt") for suffix in path.suffixes)


def _one_line(exc: BaseException) -> str:
    text = "".join(char if char.isprintable() else " " for char in str(exc))
    return " ".join(text.split())[:300] or type(exc).__name__


class TableSource:
    """One source table: its columns, its batches and how to name a row of it."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        if not path.exists():
            raise DataError(f"{path}: file not found")
        if path.is_dir():
            raise DataError(f"{path}: is a folder; give the CSV or Parquet file")
        self.path = path
        self.csv = is_csv(path)
        self.columns = list(dict.fromkeys(columns))
        self.malformed: list[tuple[int, str]] = []
        """(line, text) of CSV rows with the wrong number of fields, in file order."""
        names = self._header() if self.csv else self._parquet_names()
        self.types: dict[str, pa.DataType] = (
            dict.fromkeys(names, pa.string()) if self.csv
            else dict(zip(names, pq.read_schema(path).types, strict=True)))
        """Each column's type (all text in a CSV: nothing is inferred)."""
        missing = [name for name in self.columns if name not in names]
        if missing:
            raise DataError(f"{path}: no column {missing[0]!r} (the file has: "
                            f"{', '.join(names[:20])}); fix the mapping")

    def _header(self) -> list[str]:
        try:
            with self.path.open("rb") as raw:
                gzipped = raw.read(2) == b"\x1f\x8b"
            opener = gzip.open if gzipped else open
            with opener(self.path, "rt", encoding="utf-8", newline="") as text:
                first = text.readline()
        except (*_ERRORS, UnicodeDecodeError, EOFError) as exc:
            raise DataError(f"{self.path}: line 1: cannot read the header ({_one_line(exc)})"
                            ) from None
        return next(csv.reader(io.StringIO(first)), [])

    def _parquet_names(self) -> list[str]:
        try:
            return list(pq.ParquetFile(self.path).schema_arrow.names)
        except _ERRORS as exc:
            raise DataError(f"{self.path}: not a readable Parquet file ({_one_line(exc)}); "
                            "a CSV file needs a .csv or .csv.gz name") from None

    def locate(self, row: int) -> str:
        """``line N`` (1-based, header is line 1) of a CSV data row; ``row N`` of Parquet."""
        return f"line {self.line_of(row)}" if self.csv else f"row {row}"

    def line_of(self, row: int) -> int:
        """The 1-based file line of CSV data row ``row`` (0-based among well-formed rows)."""
        line = row + 2
        skipped = [number for number, _ in self.malformed]
        # each malformed line at or before this row's line pushes it one line down
        count = 0
        while True:
            more = bisect.bisect_right(skipped, line)
            if more == count:
                return line
            line += more - count
            count = more

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The mapped columns, batch by batch (source errors raised as DataError)."""
        iterator = self._csv_batches() if self.csv else self._parquet_batches()
        rows = 0
        while True:
            try:
                batch = next(iterator, None)
            except _ERRORS as exc:
                where = self.locate(rows)
                raise DataError(f"{self.path}: cannot read at {where} or later "
                                f"({_one_line(exc)}); the file is damaged or truncated"
                                ) from None
            if batch is None:
                return
            rows += batch.num_rows
            yield batch

    def _csv_batches(self) -> Iterator[pa.RecordBatch]:
        def malformed(row: pcsv.InvalidRow) -> str:
            self.malformed.append((int(row.number or 0), str(row.text)[:80]))
            return "skip"

        reader = pcsv.open_csv(
            self.path,
            read_options=pcsv.ReadOptions(use_threads=False, block_size=BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(invalid_row_handler=malformed),
            convert_options=pcsv.ConvertOptions(
                include_columns=self.columns,
                column_types=dict.fromkeys(self.columns, pa.string()),
                strings_can_be_null=True, null_values=[""], quoted_strings_can_be_null=True),
        )
        yield from reader

    def _parquet_batches(self) -> Iterator[pa.RecordBatch]:
        yield from pq.ParquetFile(self.path).iter_batches(batch_size=BATCH_ROWS,
                                                          columns=self.columns)
