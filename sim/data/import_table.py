"""``sim data import table``: any CSV or Parquet table to the canonical schema, streamed.

The source is read block by block (:mod:`sim.data.table_source`), each block converted
exactly (:mod:`sim.data.table_convert`) and checked with the canonical rules, and
written as it goes to a temporary Parquet file that replaces the output only when the
whole file converted: memory stays one block, whatever the file's size. The first
problem stops the import with one line naming the file, the line (CSV) or row
(Parquet), the column and the value; ``sim data validate FILE --map ...`` lists them all.
The file must already be in time order (a file larger than memory cannot be sorted on
the way through); a row going back in time is refused, naming its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from sim.core.vocabulary import NEVER
from sim.data.checks import Finding, batch_findings
from sim.data.table_convert import check_time_reading, convert_batch, output_schema, without_failed
from sim.data.table_map import TableMapping
from sim.data.table_source import TableSource
from sim.errors import DataError
from sim.outputs import output_file


@dataclass(frozen=True, slots=True)
class TableImport:
    """What one table import read and wrote."""

    rows: int
    symbols: tuple[str, ...]
    first_ts_ns: int
    last_ts_ns: int


def _first_problem(source: TableSource, findings: list[Finding], base_row: int,
                   reported: int) -> None:
    """Raise the earliest (in file order) of the batch's findings and new malformed rows."""
    candidates: list[tuple[int, int, str]] = []
    for order, item in enumerate(findings):
        row = base_row + int(item.rows[0])
        value = ("" if item.message != item.kind or item.sample == "null"
                 else f" (got {item.sample})")
        candidates.append((source.line_of(row) if source.csv else row, order,
                           f"{source.locate(row)}, column {item.column!r}: {item.message}"
                           f"{value}"))
    for line, text in source.malformed[reported:reported + 1]:
        candidates.append((line, -1, f"line {line}: wrong number of fields ({text!r}); every "
                                 "row needs the header's columns"))
    if candidates:
        raise DataError(f"{source.path}: {min(candidates)[2]}")


def import_table(path: Path, out_path: Path, mapping: TableMapping) -> TableImport:
    """Convert ``path`` through ``mapping`` into canonical Parquet at ``out_path``.

    Raises:
        DataError: the first bad cell, malformed row or out-of-order time, naming the
            file and line or row; nothing is written then.
        OutputError: ``out_path`` cannot be written (a folder, a link).
    """
    if out_path.is_dir():
        raise DataError(f"{out_path}: is a folder; -o/--out takes the Parquet file to write")
    source = TableSource(path, list(mapping.columns.values()))
    check_time_reading(path, source.types[mapping.columns["ts"]], mapping)
    schema = output_schema(mapping)
    rows, first_ts, last_ts = 0, None, NEVER
    symbols: set[str] = set()
    with output_file(out_path) as temporary, pq.ParquetWriter(temporary, schema) as writer:
        for batch in source.batches():
            converted, findings = convert_batch(batch, mapping, schema)
            checked, last_ts = batch_findings(converted, last_ts)
            _first_problem(source, findings + without_failed(checked, findings, batch.num_rows),
                           rows, 0)
            if converted.num_rows:
                writer.write_batch(converted)
                if first_ts is None:
                    first_ts = int(converted.column("ts").cast("int64")[0].as_py())
                symbols.update(converted.column("symbol").dictionary.to_pylist())
            rows += batch.num_rows
        _first_problem(source, [], rows, 0)
        if rows == 0:
            raise DataError(f"{path}: no data rows")
    return TableImport(rows, tuple(sorted(symbols)), first_ts or 0, last_ts)
