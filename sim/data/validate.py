"""``sim data validate``: every problem of a file, grouped by kind, not just the first.

A canonical Parquet file is checked with the reader's own rules
(:func:`sim.data.checks.batch_findings`); a CSV or Parquet table in another layout is
checked through its mapping, as the table importer would convert it, so validating
before importing lists everything the import would stop at. Problems are grouped by
column and kind, each with its count, the first few rows (CSV: file lines) and a
sample value; scanning stops once ``max_errors`` problem rows are found. A file that
cannot be read at all (not Parquet, a missing column, a wrong type) is one error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from sim.core.vocabulary import NEVER
from sim.data.checks import Finding, batch_findings
from sim.data.reader import (
    SourceInfo,
    book_kind,
    check_schema,
    inspect_source,
    open_parquet,
    read_batches,
)
from sim.data.table_convert import check_time_reading, convert_batch, output_schema, without_failed
from sim.data.table_map import TableMapping
from sim.data.table_source import TableSource

SHOWN_ROWS: Final[int] = 5
DEFAULT_MAX_ERRORS: Final[int] = 1_000


@dataclass(slots=True)
class ProblemGroup:
    """Every row of one kind of problem in one column."""

    column: str
    kind: str
    count: int
    locations: list[str]
    sample: str


@dataclass(slots=True)
class Problems:
    """Findings of a whole file, grouped by (column, kind), up to ``max_errors`` rows."""

    locate: Callable[[int], str]
    max_errors: int = DEFAULT_MAX_ERRORS
    groups: dict[tuple[str, str], ProblemGroup] = field(default_factory=dict)
    total: int = 0

    @property
    def full(self) -> bool:
        """Whether ``max_errors`` problem rows have been collected (stop scanning)."""
        return self.total >= self.max_errors

    def add(self, item: Finding, base_row: int) -> None:
        """Count ``item``'s rows (``base_row`` is its batch's first row in the file)."""
        room = self.max_errors - self.total
        if room <= 0:
            return
        rows = item.rows[:room]
        group = self.groups.get((item.column, item.kind))
        if group is None:
            group = ProblemGroup(item.column, item.kind, 0, [], item.sample)
            self.groups[(item.column, item.kind)] = group
        group.count += len(rows)
        for row in rows[:SHOWN_ROWS - len(group.locations)]:
            group.locations.append(self.locate(base_row + int(row)))
        self.total += len(rows)

    def lines(self) -> list[str]:
        """The report: one line per group, biggest first."""
        groups = sorted(self.groups.values(), key=lambda g: (-g.count, g.column, g.kind))
        lines = []
        for group in groups:
            more = " ..." if group.count > len(group.locations) else ""
            lines.append(f"  {group.column}: {group.kind}: {group.count} row"
                         f"{'s' if group.count != 1 else ''} ({', '.join(group.locations)}"
                         f"{more}); e.g. {group.sample}")
        return lines


@dataclass(frozen=True, slots=True)
class Report:
    """What validating one file found."""

    path: Path
    rows: int
    problems: Problems
    info: SourceInfo | None = None
    """The canonical file's description, when it had no problem."""

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems.groups

    def summary(self) -> str:
        """``N problems of K kinds`` with whether the scan stopped early."""
        kinds = len(self.problems.groups)
        stopped = (f" (stopped at --max-errors {self.problems.max_errors})"
                   if self.problems.full else f" in {self.rows} data rows")
        return (f"{self.path}: {self.problems.total} problem rows of {kinds} "
                f"kind{'s' if kinds != 1 else ''}{stopped}")


def validate_canonical(path: Path, max_errors: int = DEFAULT_MAX_ERRORS) -> Report:
    """Check a canonical Parquet file, collecting every problem.

    Raises:
        DataError: the file cannot be read as canonical Parquet at all.
    """
    parquet = open_parquet(path)
    schema = parquet.schema_arrow
    check_schema(path, schema)
    book = book_kind(path, schema)
    problems = Problems(lambda row: f"row {row}", max_errors)
    columns = [name for name in schema.names if name in _checked_columns()]
    rows, last_ts = 0, NEVER
    for batch in read_batches(path, parquet, columns):
        findings, last_ts = batch_findings(batch, last_ts, book)
        for item in findings:
            problems.add(item, rows)
        rows += batch.num_rows
        if problems.full:
            break
    info = inspect_source(path) if not problems.groups else None
    return Report(path, rows, problems, info)


def _checked_columns() -> tuple[str, ...]:
    return ("ts", "symbol", "action", "order_id", "side", "price", "qty", "tif")


def validate_table(path: Path, mapping: TableMapping,
                   max_errors: int = DEFAULT_MAX_ERRORS) -> Report:
    """Check a CSV or Parquet table through its mapping, collecting every problem.

    Raises:
        DataError: the file cannot be read, or lacks a mapped column.
    """
    source = TableSource(path, list(mapping.columns.values()))
    check_time_reading(path, source.types[mapping.columns["ts"]], mapping)
    problems = Problems(source.locate, max_errors)
    schema = output_schema(mapping)
    rows, last_ts, reported = 0, NEVER, 0
    for batch in source.batches():
        reported = _add_malformed(source, problems, reported)
        converted, findings = convert_batch(batch, mapping, schema)
        checked, last_ts = batch_findings(converted, last_ts)
        for item in findings + without_failed(checked, findings, batch.num_rows):
            if len(item.rows):
                problems.add(item, rows)
        rows += batch.num_rows
        if problems.full:
            break
    _add_malformed(source, problems, reported)
    return Report(path, rows + len(source.malformed), problems)


def _add_malformed(source: TableSource, problems: Problems, reported: int) -> int:
    """Report CSV rows with a wrong number of fields (by line; they have no row index)."""
    for line, text in source.malformed[reported:]:
        key = ("(row)", "wrong number of fields")
        group = problems.groups.setdefault(key, _group(key, text))
        group.count += 1
        problems.total += 1
        if len(group.locations) < SHOWN_ROWS:
            group.locations.append(f"line {line}")
    return len(source.malformed)


def _group(key: tuple[str, str], sample: str) -> ProblemGroup:
    return ProblemGroup(key[0], key[1], 0, [], repr(sample))
