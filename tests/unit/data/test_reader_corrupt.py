"""Damaged Parquet files: one-line DataErrors naming the file, never a pyarrow exception."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.data.reader import inspect_source, iter_event_batches
from sim.data.schema import PRICE_SCALE_KEY, arrow_schema
from sim.errors import DataError

ROWS = 1_000
T0 = 1_700_000_000_000_000_000
DAMAGED = "the file is damaged: write or download it again"


def table(rows: int = ROWS) -> pa.Table:
    return pa.table({
        "ts": pa.array(T0 + np.arange(rows) * 1_000).cast(pa.timestamp("ns", tz="UTC")),
        "symbol": pa.array(["A"] * rows),
        "action": pa.array(["add"] * rows),
        "order_id": pa.array(np.arange(rows), pa.uint64()),
        "side": pa.array([1] * rows, pa.int8()),
        "price": pa.array(np.arange(rows) + 100),
        "qty": pa.array([10] * rows),
    }).cast(arrow_schema())


def good_file(tmp_path: Path) -> Path:
    path = tmp_path / "good.parquet"
    pq.write_table(table(), path, compression="zstd")
    return path


def smash_column(path: Path, column: str) -> Path:
    """Overwrite 8 bytes in the middle of one column chunk's compressed pages with 0xFF."""
    metadata = pq.ParquetFile(path).metadata.row_group(0)
    index = [metadata.column(i).path_in_schema for i in range(metadata.num_columns)].index(column)
    chunk = metadata.column(index)
    middle = chunk.data_page_offset + chunk.total_compressed_size // 2
    data = bytearray(path.read_bytes())
    data[middle:middle + 8] = b"\xff" * 8
    damaged = path.with_name("damaged.parquet")
    damaged.write_bytes(bytes(data))
    return damaged


def error_of(path: Path) -> str:
    with pytest.raises(DataError) as caught:
        inspect_source(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_truncated_file_is_not_readable(tmp_path: Path) -> None:
    good = good_file(tmp_path)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert error_of(cut) == (
        f"{cut}: not a readable Parquet file (Parquet magic bytes not found in footer. "
        "Either the file is corrupted or this is not a parquet file.)")


def test_a_csv_file_is_not_readable(tmp_path: Path) -> None:
    csv = tmp_path / "ticks.csv"
    csv.write_text("ts,symbol\n1,A\n")
    assert error_of(csv).startswith(f"{csv}: not a readable Parquet file (Parquet magic bytes")


@pytest.mark.parametrize("column", ["symbol", "action", "side", "qty"])
def test_random_bytes_in_a_page_name_the_row_reached(tmp_path: Path, column: str) -> None:
    message = error_of(smash_column(good_file(tmp_path), column))
    assert message.startswith(f"{tmp_path / 'damaged.parquet'}: corrupt Parquet data at row 0 "
                              "or later (")
    assert message.endswith(f"); {DAMAGED}")


def test_duplicate_column_name_is_refused(tmp_path: Path) -> None:
    good = table()
    path = tmp_path / "dup.parquet"
    pq.write_table(pa.table([*good.columns, good.column("qty")], names=[*good.column_names,
                                                                       "qty"]), path)
    assert error_of(path) == f"{path}: column 'qty' appears more than once (column names must " \
                             "be unique)"


@pytest.mark.parametrize("scale", [b"0", b"-5", b"ten"])
def test_price_scale_must_be_a_positive_integer(tmp_path: Path, scale: bytes) -> None:
    path = tmp_path / "scale.parquet"
    pq.write_table(table().replace_schema_metadata({PRICE_SCALE_KEY: scale}), path)
    assert error_of(path) == (f"{path}: metadata ticktwin.price_scale = {scale.decode()!r} is "
                              "not a positive integer")


def test_corruption_found_mid_run_is_a_data_error(tmp_path: Path) -> None:
    """The file damaged between validation and replay: the batch reader raises DataError."""
    path = tmp_path / "good.parquet"
    pq.write_table(table(200_000), path, compression="zstd", row_group_size=100_000)
    info = inspect_source(path)
    metadata = pq.ParquetFile(path).metadata.row_group(1).column(4)
    middle = metadata.data_page_offset + metadata.total_compressed_size // 2
    data = bytearray(path.read_bytes())
    data[middle:middle + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    read = []
    with pytest.raises(DataError) as caught:
        read.extend(len(batch) for batch in iter_event_batches(info))
    reached = sum(read)
    assert read[:2] == [65_536, 34_464]
    assert 100_000 <= reached < 200_000
    message = str(caught.value)
    assert message.isprintable()
    assert message.startswith(f"{path}: corrupt Parquet data at row {reached} or later (")
    assert message.endswith(f"); {DAMAGED}")


def test_a_symbol_not_seen_at_validation_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "good.parquet"
    pq.write_table(table(), path)
    info = inspect_source(path)
    pq.write_table(table().set_column(1, "symbol", pa.array(["Z"] * ROWS)), path)
    with pytest.raises(DataError) as caught:
        list(iter_event_batches(info))
    assert str(caught.value) == (f"{path}: row 0, column 'symbol/action': not seen when the "
                                 "file was validated (it changed during the run)")
