"""Validation of canonical files collects every problem; the reader still stops at the first."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.data.reader import inspect_source, iter_event_batches
from sim.data.schema import BOOK_KEY, arrow_schema
from sim.data.validate import validate_canonical
from sim.errors import DataError


def _write(path: Path, rows: list[tuple[int, str, int, int | None, int | None]],
           metadata: dict[bytes, bytes] | None = None) -> Path:
    schema = arrow_schema()
    schema = schema.with_metadata({**(schema.metadata or {}), **(metadata or {})})
    table = pa.table({
        "ts": pa.array([r[0] for r in rows], pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
        "symbol": pa.array(["A"] * len(rows)).dictionary_encode(),
        "action": pa.array([r[1] for r in rows]).dictionary_encode(),
        "order_id": pa.array(range(len(rows)), pa.uint64()),
        "side": pa.array([r[2] for r in rows], pa.int8()),
        "price": pa.array([r[3] for r in rows], pa.int64()),
        "qty": pa.array([r[4] for r in rows], pa.int64()),
    }, schema=schema)
    pq.write_table(table, path)
    return path


def test_every_problem_is_listed_by_kind_with_rows_and_a_sample(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.parquet", [
        (1, "add", 1, 100, 5), (2, "add", 0, 100, 5), (3, "buy", 1, 100, 5),
        (1, "add", 1, 100, -2), (5, "add", 2, 100, 5), (6, "add", 1, None, 5),
    ])
    report = validate_canonical(path)
    groups = {(g.column, g.kind): (g.count, g.locations, g.sample)
              for g in report.problems.groups.values()}
    assert groups == {
        ("side", "side must be 1 or -1"): (2, ["row 1", "row 4"], "0"),
        ("action", "unknown action"): (1, ["row 2"], "'buy'"),
        ("ts", "time goes backwards (file not sorted)"): (1, ["row 3"], "1"),
        ("qty", "quantity must be positive"): (1, ["row 3"], "-2"),
        ("price", "price is required for add and modify"): (1, ["row 5"], "null"),
    }
    # the reader (a run) stops at the first check's first row, as before
    with pytest.raises(DataError, match=r"row 3, column 'ts': time goes backwards"):
        inspect_source(path)


def test_a_clean_file_reports_ok_with_its_description(tmp_path: Path) -> None:
    path = _write(tmp_path / "ok.parquet", [(1, "add", 1, 100, 5), (2, "cancel", 1, None, None)])
    report = validate_canonical(path)
    assert report.ok
    assert report.info is not None
    assert (report.info.rows, report.info.symbols, report.info.book) == (2, ("A",), "l3")


def test_l2_files_validate_but_never_replay_as_l3_batches(tmp_path: Path) -> None:
    path = _write(tmp_path / "l2.parquet", [(1, "level", 1, 100, 5), (2, "level", 1, 100, 0),
                                            (3, "trade", -1, 100, 2)], {BOOK_KEY: b"l2"})
    info = inspect_source(path)
    assert (info.book, info.rows) == ("l2", 3)
    with pytest.raises(DataError, match=r"holds L2 price levels .* not as L3 event batches"):
        next(iter_event_batches(info))
    l3 = _write(tmp_path / "l3.parquet", [(1, "level", 1, 100, 5)])
    with pytest.raises(DataError, match="unknown action 'level'"):
        inspect_source(l3)
    bad = _write(tmp_path / "bad.parquet", [(1, "add", 1, 100, 5)], {BOOK_KEY: b"l4"})
    with pytest.raises(DataError, match=r"metadata ticktwin.book = 'l4' is not 'l3' or 'l2'"):
        inspect_source(bad)
