"""The validator refuses rows whose price x qty cannot be represented (docs/data.md)."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.data.events import NO_PRICE, NO_QTY
from sim.data.reader import inspect_source, iter_event_batches
from sim.data.schema import INT64_MAX, MAX_NOTIONAL, arrow_schema
from sim.errors import DataError

T0 = 1_700_000_000_000_000_000


def write(tmp_path: Path, rows: list[tuple[str, int, int | None, int | None]]) -> Path:
    """Rows of (action, side, price, qty), one microsecond apart, on symbol A."""
    path = tmp_path / "t.parquet"
    table = pa.table({
        "ts": pa.array([T0 + 1_000 * i for i in range(len(rows))]).cast(
            pa.timestamp("ns", tz="UTC")),
        "symbol": ["A"] * len(rows),
        "action": [row[0] for row in rows],
        "order_id": pa.array(range(1, len(rows) + 1), pa.uint64()),
        "side": pa.array([row[1] for row in rows], pa.int8()),
        "price": pa.array([row[2] for row in rows], pa.int64()),
        "qty": pa.array([row[3] for row in rows], pa.int64()),
    })
    pq.write_table(table.cast(arrow_schema()), path)
    return path


def test_price_2_62_times_qty_1000_is_refused_with_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path, [("add", 1, 100, 5), ("add", -1, 2**62, 1_000)])
    with pytest.raises(DataError) as caught:
        inspect_source(path)
    assert str(caught.value) == (
        f"{path}: row 1, column 'price': price 4611686018427387904 x qty 1000 = 4.612e+21 "
        "exceeds the largest notional, 2**62 = 4.612e+18 price units x shares (see "
        "docs/data.md)")


def test_one_past_the_limit_is_refused_and_the_limit_itself_accepted(tmp_path: Path) -> None:
    accepted = [("add", 1, MAX_NOTIONAL, 1), ("add", 1, 2**31, 2**31), ("add", 1, 3, 2**62 // 3)]
    assert inspect_source(write(tmp_path, accepted)).rows == 3
    with pytest.raises(DataError, match=r"row 0, column 'price': price 3 x qty "
                                         r"1537228672809129302 = 4\.612e\+18 exceeds"):
        inspect_source(write(tmp_path, [("add", 1, 3, 2**62 // 3 + 1)]))


def test_rows_without_a_price_may_carry_any_positive_qty(tmp_path: Path) -> None:
    path = write(tmp_path, [("market", 1, None, INT64_MAX), ("cancel", 1, None, None)])
    assert inspect_source(path).rows == 2


def test_unsigned_sizes_of_2_63_and_above_are_refused(tmp_path: Path) -> None:
    """Found by tests/property/test_data_fuzz.py: they passed and then crashed the reader."""
    path = tmp_path / "u.parquet"
    pq.write_table(pa.table({
        "ts": pa.array([T0, T0]).cast(pa.timestamp("ns", tz="UTC")),
        "symbol": ["A", "A"], "action": ["market", "market"],
        "order_id": pa.array([1, 2], pa.uint64()), "side": pa.array([1, 1], pa.int8()),
        "price": pa.array([None, None], pa.uint64()),
        "qty": pa.array([5, 2**64 - 1], pa.uint64()),
    }), path)
    with pytest.raises(DataError) as caught:
        inspect_source(path)
    assert str(caught.value) == f"{path}: row 1, column 'qty': qty must be below 2**63"


def test_unsigned_price_and_qty_columns_with_nulls_are_read(tmp_path: Path) -> None:
    path = tmp_path / "u.parquet"
    pq.write_table(pa.table({
        "ts": pa.array([T0, T0 + 1]).cast(pa.timestamp("ns", tz="UTC")),
        "symbol": ["A", "A"], "action": ["add", "cancel"],
        "order_id": pa.array([1, 1], pa.uint64()), "side": pa.array([1, 1], pa.int8()),
        "price": pa.array([100, None], pa.uint64()), "qty": pa.array([5, None], pa.uint32()),
    }), path)
    (batch,) = iter_event_batches(inspect_source(path))
    assert (batch.price.tolist(), batch.qty.tolist()) == ([100, NO_PRICE], [5, NO_QTY])
