from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.data.events import NO_PRICE, NO_QTY
from sim.data.reader import inspect_source, iter_event_batches
from sim.data.schema import arrow_schema
from sim.errors import DataError

T0 = 1_700_000_000_000_000_000


def rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    return pa.table({
        "ts": pa.array(columns["ts"], pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
        "symbol": pa.array(columns["symbol"]),
        "action": pa.array(columns["action"]),
        "order_id": pa.array(columns["order_id"], pa.uint64()),
        "side": pa.array(columns["side"], pa.int8()),
        "price": pa.array(columns["price"], pa.int64()),
        "qty": pa.array(columns["qty"], pa.int64()),
    })


def good_rows() -> list[dict[str, Any]]:
    return [
        {"ts": T0, "symbol": "A", "action": "add", "order_id": 1, "side": 1,
         "price": 100, "qty": 10},
        {"ts": T0 + 5, "symbol": "B", "action": "add", "order_id": 2, "side": -1,
         "price": 101, "qty": 5},
        {"ts": T0 + 5, "symbol": "A", "action": "cancel", "order_id": 1, "side": 1,
         "price": None, "qty": None},
        {"ts": T0 + 9, "symbol": "A", "action": "market", "order_id": 3, "side": -1,
         "price": None, "qty": 4},
    ]


def write(tmp_path: Path, rows: list[dict[str, Any]], name: str = "t.parquet") -> Path:
    path = tmp_path / name
    table = rows_table(rows)
    pq.write_table(table.cast(arrow_schema()), path)
    return path


def test_inspect_reports_rows_symbols_span_and_fingerprint(tmp_path: Path) -> None:
    info = inspect_source(write(tmp_path, good_rows()))
    assert (info.rows, info.symbols) == (4, ("A", "B"))
    assert (info.first_ts_ns, info.last_ts_ns) == (T0, T0 + 9)
    assert info.price_scale == 10_000
    assert len(info.fingerprint) == 64


def test_batches_carry_sentinels_and_filters(tmp_path: Path) -> None:
    info = inspect_source(write(tmp_path, good_rows()))
    (batch,) = list(iter_event_batches(info))
    assert batch.price.tolist() == [100, 101, NO_PRICE, NO_PRICE]
    assert batch.qty.tolist() == [10, 5, NO_QTY, 4]
    assert batch.symbol.tolist() == [0, 1, 0, 0]
    only_a = list(iter_event_batches(info, symbols=("A",), start_ns=T0 + 1))
    assert [len(b) for b in only_a] == [2]


@pytest.mark.parametrize(
    ("row", "column", "value", "fragment"),
    [
        (2, "ts", T0 - 1, "row 2, column 'ts': time goes backwards"),
        (1, "action", "explode", "row 1, column 'action': unknown action 'explode'"),
        (3, "qty", -4, "row 3, column 'qty': quantity must be positive"),
        (0, "qty", 0, "row 0, column 'qty': quantity must be positive"),
        (1, "side", 0, "row 1, column 'side': side must be 1 or -1"),
        (0, "price", None, "row 0, column 'price': price is required"),
        (3, "qty", None, "row 3, column 'qty': quantity is required"),
    ],
)
def test_bad_rows_name_file_row_and_column(tmp_path: Path, row: int, column: str, value: Any,
                                            fragment: str) -> None:
    rows = good_rows()
    rows[row][column] = value
    path = write(tmp_path, rows)
    with pytest.raises(DataError) as info:
        inspect_source(path)
    assert str(path) in str(info.value)
    assert fragment in str(info.value)


def test_missing_column_and_wrong_type(tmp_path: Path) -> None:
    table = rows_table(good_rows())
    path = tmp_path / "m.parquet"
    pq.write_table(table.drop_columns(["side"]), path)
    with pytest.raises(DataError, match=r"m\.parquet: missing column 'side'"):
        inspect_source(path)
    pq.write_table(table.set_column(6, "qty", pa.array(["1", "2", "3", "4"])), path)
    with pytest.raises(DataError, match=r"column 'qty' has type string, expected int64"):
        inspect_source(path)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        inspect_source(tmp_path / "nope.parquet")
    junk = tmp_path / "junk.parquet"
    junk.write_text("not parquet")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        inspect_source(junk)


def test_unsorted_across_batches_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    monkeypatch.setattr("sim.data.reader.BATCH_ROWS", 2)
    rows = good_rows()
    rows[2]["ts"] = T0 + 1  # first row of the second batch earlier than the last of the first
    with pytest.raises(DataError, match="row 2, column 'ts'"):
        inspect_source(write(tmp_path, rows))
