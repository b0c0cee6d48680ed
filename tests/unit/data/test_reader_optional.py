"""The reader's optional event columns: ``tif`` codes (validated) and ``account`` codes."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.data.events import NO_ACCOUNT, TIF_BY_CODE, TIF_FOK, TIF_GTC, TIF_IOC
from sim.data.reader import inspect_source, iter_event_batches
from sim.data.schema import arrow_schema
from sim.errors import DataError

T0 = 1_700_000_000_000_000_000


def write(tmp_path: Path, tif: list[str | None] | None, account: list[str | None] | None) -> Path:
    n = 4
    columns = {
        "ts": pa.array([T0 + i for i in range(n)], pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
        "symbol": pa.array(["A"] * n),
        "action": pa.array(["add"] * n),
        "order_id": pa.array(list(range(1, n + 1)), pa.uint64()),
        "side": pa.array([1, -1, 1, -1], pa.int8()),
        "price": pa.array([100] * n, pa.int64()),
        "qty": pa.array([5] * n, pa.int64()),
    }
    table = pa.table(columns).cast(arrow_schema())
    if tif is not None:
        table = table.append_column("tif", pa.array(tif, pa.string()))
    if account is not None:
        table = table.append_column("account", pa.array(account, pa.string()))
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    return path


def test_without_optional_columns_batches_carry_none(tmp_path: Path) -> None:
    info = inspect_source(write(tmp_path, None, None))
    (batch,) = iter_event_batches(info)
    assert (info.optional, info.accounts) == ((), ())
    assert (batch.tif, batch.account, batch.accounts) == (None, None, ())


def test_tif_values_become_codes_with_null_as_gtc(tmp_path: Path) -> None:
    info = inspect_source(write(tmp_path, [None, "gtc", "ioc", "fok"], None))
    (batch,) = iter_event_batches(info)
    assert info.optional == ("tif",)
    assert batch.tif is not None
    assert batch.tif.tolist() == [TIF_GTC, TIF_GTC, TIF_IOC, TIF_FOK]
    assert [TIF_BY_CODE[code] for code in batch.tif.tolist()] == [None, None, "ioc", "fok"]


def test_tif_codes_follow_the_time_filter(tmp_path: Path) -> None:
    info = inspect_source(write(tmp_path, [None, "gtc", "ioc", "fok"], None))
    (batch,) = iter_event_batches(info, start_ns=T0 + 2)
    assert batch.tif is not None
    assert batch.tif.tolist() == [TIF_IOC, TIF_FOK]


def test_unknown_tif_is_a_data_error_naming_row_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, [None, "ioc", "day", None], None)
    with pytest.raises(DataError, match=r"t\.parquet: row 2, column 'tif': unknown tif 'day'"):
        inspect_source(path)


def test_reading_rejects_unknown_tif_too(tmp_path: Path) -> None:
    info = inspect_source(write(tmp_path, [None, "ioc", None, None], None))
    write(tmp_path, [None, "IOC", None, None], None)  # the file changed after inspection
    with pytest.raises(DataError, match=r"row 1, column 'tif': unknown tif 'IOC'"):
        list(iter_event_batches(info))


def test_non_string_tif_column_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, None, None)
    table = pq.read_table(path).append_column("tif", pa.array([1, 2, 3, 4], pa.int8()))
    pq.write_table(table, path)
    with pytest.raises(DataError, match="column 'tif' has type int8, expected string"):
        inspect_source(path)


def test_accounts_are_codes_into_the_files_sorted_accounts(tmp_path: Path) -> None:
    info = inspect_source(write(tmp_path, None, ["zed", None, "amy", "zed"]))
    (batch,) = iter_event_batches(info)
    assert info.accounts == ("amy", "zed")
    assert batch.accounts == ("amy", "zed")
    assert batch.account is not None
    assert batch.account.tolist() == [1, NO_ACCOUNT, 0, 1]
