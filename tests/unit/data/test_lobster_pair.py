"""LOBSTER imports refuse files that are no pair, truncated gzip, an empty symbol, a folder."""

from __future__ import annotations

import datetime as dt
import gzip
import zlib
from pathlib import Path

import pytest

from sim.data.lobster import import_lobster
from sim.data.lobster_pair import PairCheck
from sim.errors import DataError

ROOT = Path(__file__).resolve().parents[3]
LOBSTER = ROOT / "data" / "lobster"
AMZN = "AMZN_2012-06-21_34200000_57600000"
AAPL = "AAPL_2012-06-21_34200000_57600000"
DATE = dt.date(2012, 6, 21)
NO_PAIR = ("(levels inside the visible window differ); the orderbook file does not belong to "
           "this message file: give the one of the same ticker, date, time range and level")


def head(source: Path, lines: int, target: Path) -> Path:
    """The first ``lines`` lines of a gzip LOBSTER file, written as plain CSV."""
    with gzip.open(source, "rt") as handle:
        text = "".join(line for _, line in zip(range(lines), handle, strict=False))
    target.write_text(text)
    return target


def import_error(message: Path, book: Path | None, out: Path, symbol: str = "AMZN") -> str:
    with pytest.raises(DataError) as caught:
        import_lobster(message, out, symbol=symbol, date=DATE, orderbook_path=book)
    assert not out.exists()
    assert list(out.parent.glob(f".{out.name}*")) == []
    return str(caught.value)


def test_another_tickers_orderbook_is_refused_by_name(tmp_path: Path) -> None:
    message = LOBSTER / f"{AMZN}_message_1.csv.gz"
    book = LOBSTER / f"{AAPL}_orderbook_1.csv.gz"
    assert import_error(message, book, tmp_path / "o.parquet") == (
        f"{book}: not the orderbook of {AMZN}_message_1.csv.gz (ticker AAPL in its name, AMZN "
        "in the message file's); give the ..._orderbook_1 file of the same ticker, date and "
        "time range")


def test_a_level_5_orderbook_with_level_1_messages_is_refused_by_name(tmp_path: Path) -> None:
    message = LOBSTER / f"{AMZN}_message_1.csv.gz"
    book = LOBSTER / f"{AMZN}_orderbook_5.csv.gz"
    assert import_error(message, book, tmp_path / "o.parquet") == (
        f"{book}: not the orderbook of {AMZN}_message_1.csv.gz (level 5 in its name, 1 in the "
        "message file's); give the ..._orderbook_1 file of the same ticker, date and time range")


def test_a_renamed_level_5_orderbook_is_refused_by_its_width(tmp_path: Path) -> None:
    message = head(LOBSTER / f"{AMZN}_message_1.csv.gz", 50, tmp_path / f"{AMZN}_message_1.csv")
    book = head(LOBSTER / f"{AMZN}_orderbook_5.csv.gz", 50, tmp_path / "book.csv")
    assert import_error(message, book, tmp_path / "o.parquet") == (
        f"{book}: line 1: 20 columns is a level-5 book, but {AMZN}_message_1.csv holds "
        "level-1 messages (expected 4 columns); give the matching ..._orderbook_1 file")


@pytest.mark.parametrize(
    ("message_file", "book_file", "disagree"),
    [
        (f"{AMZN}_message_1", f"{AAPL}_orderbook_1", 853),  # another ticker's book
        (f"{AMZN}_message_1", f"{AMZN}_orderbook_5", 854),  # level 5 book, level 1 messages
        (f"{AMZN}_message_5", f"{AMZN}_orderbook_1", 903),  # level 1 book, level 5 messages
    ],
)
def test_renamed_files_that_are_no_pair_are_refused_by_content(
    tmp_path: Path, message_file: str, book_file: str, disagree: int
) -> None:
    message = head(LOBSTER / f"{message_file}.csv.gz", 1_500, tmp_path / "msg.csv")
    book = head(LOBSTER / f"{book_file}.csv.gz", 1_500, tmp_path / "book.csv")
    if book_file.endswith("_5") and message_file.endswith("_1"):
        book = book.rename(tmp_path / "book5.csv")
    assert import_error(message, book, tmp_path / "o.parquet") == (
        f"{book}: {disagree} of the first 1000 rows disagree with msg.csv {NO_PAIR}")


def test_a_short_wrong_pair_is_judged_on_all_its_rows(tmp_path: Path) -> None:
    message = head(LOBSTER / f"{AMZN}_message_1.csv.gz", 200, tmp_path / "msg.csv")
    book = head(LOBSTER / f"{AAPL}_orderbook_1.csv.gz", 200, tmp_path / "book.csv")
    assert import_error(message, book, tmp_path / "o.parquet") == (
        f"{book}: 147 of the first 200 rows disagree with msg.csv {NO_PAIR}")


def test_a_real_pair_cut_anywhere_still_imports_without_mismatches(tmp_path: Path) -> None:
    message = tmp_path / "msg.csv"
    book = tmp_path / "book.csv"
    for source, target in ((f"{AMZN}_message_1", message), (f"{AMZN}_orderbook_1", book)):
        with gzip.open(LOBSTER / f"{source}.csv.gz", "rt") as handle:
            target.write_text("".join(line for index, line in enumerate(handle)
                                      if 20_000 <= index < 21_500))
    stats = import_lobster(message, tmp_path / "o.parquet", symbol="AMZN", date=DATE,
                           orderbook_path=book)
    assert (stats.rows_read, stats.window_mismatches) == (1_500, 0)


def test_pair_check_tolerates_one_percent_of_disagreeing_rows() -> None:
    check = PairCheck(Path("m.csv"), Path("b.csv"))
    for row in range(1, 1_001):
        check.after_row(row, min(row // 100, 10))  # 10 rows raise the mismatch count
    check.finish()
    strict = PairCheck(Path("m.csv"), Path("b.csv"))
    for row in range(1, 1_000):
        strict.after_row(row, min(row // 90, 11))  # 11 rows do
    with pytest.raises(DataError) as caught:
        strict.after_row(1_000, 11)
    assert str(caught.value) == f"b.csv: 11 of the first 1000 rows disagree with m.csv {NO_PAIR}"


def _messages(rows: int) -> bytes:
    return "".join(f"34200.{index:09d},1,{index + 1},100,{1_000 + index},1\n"
                   for index in range(rows)).encode()


def test_truncated_gzip_names_the_file_and_the_line_reached(tmp_path: Path) -> None:
    packed = gzip.compress(_messages(5_000), mtime=0)
    cut = packed[: len(packed) // 2]
    complete_lines = zlib.decompressobj(wbits=31).decompress(cut).count(b"\n")
    message = tmp_path / "cut.csv.gz"
    message.write_bytes(cut)
    assert complete_lines == 2_521
    assert import_error(message, None, tmp_path / "o.parquet") == (
        f"{message}: line 2522: cannot read: the gzip stream ends early (truncated file?)")


def test_corrupt_gzip_names_the_file_and_the_line_reached(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(_messages(5_000), mtime=0))
    packed[-8:-4] = b"\x00\x00\x00\x00"  # the CRC
    message = tmp_path / "crc.csv.gz"
    message.write_bytes(bytes(packed))
    assert import_error(message, None, tmp_path / "o.parquet") == (
        f"{message}: line 5001: cannot read: CRC check failed 0x0 != "
        f"0x{zlib.crc32(_messages(5_000)):x}")


def test_a_byte_that_is_not_ascii_names_its_line_and_column(tmp_path: Path) -> None:
    message = tmp_path / "m.csv"
    message.write_bytes(b"34200.1,1,5,10,1000000,1\n34200.2,1,6,1\xe9,1000000,1\n")
    assert import_error(message, None, tmp_path / "o.parquet") == (
        f"{message}: line 2, column 'size': '1\\udce9' is not an integer")


@pytest.mark.parametrize("symbol", ["", "   "])
def test_an_empty_symbol_is_refused(tmp_path: Path, symbol: str) -> None:
    message = tmp_path / "m.csv"
    message.write_bytes(_messages(3))
    assert import_error(message, None, tmp_path / "o.parquet", symbol=symbol) == (
        f"--symbol {symbol!r}: give the instrument name to write, e.g. AMZN")


def test_an_output_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    message = tmp_path / "m.csv"
    message.write_bytes(_messages(3))
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "keep.txt").write_text("x")
    with pytest.raises(DataError) as caught:
        import_lobster(message, folder, symbol="X", date=DATE)
    assert str(caught.value) == (f"{folder}: is a folder; -o/--out takes the Parquet file to "
                                 f"write (e.g. {folder / 'X.parquet'})")
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]


def test_a_folder_given_as_the_message_file_is_refused(tmp_path: Path) -> None:
    assert import_error(tmp_path, None, tmp_path / "o.parquet") == (
        f"{tmp_path}: cannot open (Is a directory)")
