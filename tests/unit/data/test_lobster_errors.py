"""LOBSTER parsing: exact nanosecond times and errors that name the file, line and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sim.data.lobster import import_lobster
from sim.data.lobster_parse import parse_time_ns
from sim.errors import DataError

DATE = dt.date(2012, 6, 21)
GOOD = "34200.000000001,1,11,100,1000,1\n34200.000000002,1,12,50,1010,-1\n"
BOOK = "9999999999,0,1000,100\n1010,50,1000,100\n"


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("34200.004241176", 34_200_004_241_176),
        ("34200.18960767", 34_200_189_607_670),  # LOBSTER drops trailing zeros
        ("34200.5", 34_200_500_000_000),
        ("34200", 34_200_000_000_000),
        ("57599.999999999", 57_599_999_999_999),
        ("43002.632812672004", 43_002_632_812_672),  # float noise in the AMZN level-5 file
        ("43002.6328126725", 43_002_632_812_673),  # beyond ns: rounded half up
    ],
)
def test_time_is_parsed_exactly_from_its_decimal_text(text: str, ns: int) -> None:
    assert parse_time_ns(text, Path("m.csv"), 1) == ns


@pytest.mark.parametrize("text", ["3.42e4", "", "-1.5", "34200.", ".5", "34200,1", "0x10"])
def test_time_that_is_not_a_plain_decimal_is_rejected(text: str) -> None:
    with pytest.raises(DataError, match=r"m\.csv: line 7, column 'time'"):
        parse_time_ns(text, Path("m.csv"), 7)


def _import(tmp_path: Path, messages: str, book: str | None = None) -> Path:
    message_path = tmp_path / "msg.csv"
    message_path.write_text(messages)
    book_path = None
    if book is not None:
        book_path = tmp_path / "book.csv"
        book_path.write_text(book)
    out = tmp_path / "out" / "events.parquet"
    import_lobster(message_path, out, symbol="X", date=DATE, orderbook_path=book_path)
    return out


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("34200.3,1,13,5,1000", r"msg\.csv: line 3: expected 6 columns .* found 5"),
        ("34200.3,1,13,5,1000,1,9", r"msg\.csv: line 3: expected 6 columns .* found 7"),
        ("34200.3,1,13,abc,1000,1", r"msg\.csv: line 3, column 'size': 'abc' is not an integer"),
        ("34200.3,1,13,5,10.5,1", r"msg\.csv: line 3, column 'price': '10\.5' is not an int"),
        ("34200.3,1,,5,1000,1", r"msg\.csv: line 3, column 'order_id': '' is not an integer"),
        ("34200.3,8,13,5,1000,1", r"msg\.csv: line 3, column 'type': unknown event type 8"),
        ("34200.3,0,13,5,1000,1", r"msg\.csv: line 3, column 'type': unknown event type 0"),
        ("34200.3,1,13,5,1000,2", r"msg\.csv: line 3, column 'direction': 2 \(expected"),
        ("34200.3,1,13,5,1000,0", r"msg\.csv: line 3, column 'direction': 0 \(expected"),
        ("34200.3,1,13,0,1000,1", r"msg\.csv: line 3, column 'size': size must be positive"),
        ("34200.3,1,13,-5,1000,1", r"msg\.csv: line 3, column 'size': size must be positive"),
        ("34200.3,1,13,5,-1000,1", r"msg\.csv: line 3, column 'price': price must be pos"),
        ("3e4,1,13,5,1000,1", r"msg\.csv: line 3, column 'time': '3e4' is not a decimal"),
        ("", r"msg\.csv: line 3: expected 6 columns"),
        ("34200.0,1,13,5,1000,1", r"msg\.csv: line 3, column 'time': time goes backwards"),
        ("34200.3,1,11,5,1000,1", r"msg\.csv: line 3: order id 11 is added while still live"),
        (f"34200.3,1,{2**62},5,1000,1", r"msg\.csv: line 3: order id \d+ is in the synthetic"),
        ("34200.3,3,11,100,1010,1", r"msg\.csv: line 3: order 11 rests at side 1, price 1000"),
        ("34200.3,2,11,101,1000,1", r"msg\.csv: line 3: size 101 exceeds the 100 shares"),
    ],
)
def test_malformed_message_row_names_file_and_line_and_leaves_no_output(
    tmp_path: Path, bad_row: str, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        _import(tmp_path, GOOD + bad_row + "\n34200.4,1,14,5,1000,1\n")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    ("book", "message"),
    [
        (
            "9999999999,0,1000,100\n1010,50,1000\n",
            r"book\.csv: line 2: expected 4 columns, found 3",
        ),
        ("9999999999,0,1000,100,1\n", r"book\.csv: line 1: 5 columns is not a multiple of 4"),
        ("9999999999,0,1000,100\n1010,x,1000,100\n", r"book\.csv: line 2, column 2: 'x' is not an"),
        (
            "9999999999,0,1000,100\n",
            r"book\.csv: ends at line 1, but .*msg\.csv has a row at line 2",
        ),
        (BOOK + "1010,50,1000,100\n", r"book\.csv: has more rows than the 2 of .*msg\.csv"),
        (
            "9999999999,0,1000,100\n1010,50,1000,-3\n",
            r"book\.csv: line 2, column 3: bid level 1 has price 1000 and size -3",
        ),
    ],
)
def test_malformed_orderbook_names_file_and_line_and_leaves_no_output(
    tmp_path: Path, book: str, message: str
) -> None:
    with pytest.raises(DataError, match=message):
        _import(tmp_path, GOOD, book)
    assert list((tmp_path / "out").iterdir()) == []


def test_failed_import_keeps_an_existing_output_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out" / "events.parquet"
    out.parent.mkdir()
    out.write_bytes(b"previous run")
    with pytest.raises(DataError):
        _import(tmp_path, GOOD + "34200.3,9,13,5,1000,1\n")
    assert out.read_bytes() == b"previous run"
    assert [p.name for p in out.parent.iterdir()] == ["events.parquet"]


def test_missing_input_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.csv: file not found"):
        import_lobster(tmp_path / "nope.csv", tmp_path / "o.parquet", symbol="X", date=DATE)
    assert list(tmp_path.iterdir()) == []
