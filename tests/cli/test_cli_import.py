import gzip
import json
from pathlib import Path

from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
LOBSTER = ROOT / "data" / "lobster"


def test_import_lobster_writes_valid_canonical_file(tmp_path: Path) -> None:
    out = tmp_path / "amzn.parquet"
    result = runner.invoke(app, [
        "data", "import", "lobster",
        str(LOBSTER / "AMZN_2012-06-21_34200000_57600000_message_1.csv.gz"),
        "--orderbook", str(LOBSTER / "AMZN_2012-06-21_34200000_57600000_orderbook_1.csv.gz"),
        "--symbol", "AMZN", "--date", "2012-06-21", "-o", str(out)])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output.split("\n", 1)[1])
    assert stats["rows_read"] == 57_515
    assert stats["window_entries"] == 13_953
    validated = runner.invoke(app, ["data", "validate", str(out)])
    assert validated.exit_code == 0
    assert f"{stats['events_written']} rows, symbols AMZN" in validated.output


def test_import_lobster_bad_row_exits_2_with_line(tmp_path: Path) -> None:
    message = tmp_path / "bad_message.csv.gz"
    with gzip.open(message, "wt") as handle:
        handle.write("34200.1,1,5,10,1000000,1\n34200.2,9,6,10,1000000,1\n")
    out = tmp_path / "o.parquet"
    result = runner.invoke(app, ["data", "import", "lobster", str(message), "--symbol", "X",
                                 "--date", "2012-06-21", "-o", str(out)])
    assert result.exit_code == 2
    assert "bad_message.csv.gz" in result.output
    assert "line 2" in result.output
    assert not out.exists()
    bad_date = runner.invoke(app, ["data", "import", "lobster", str(message), "--symbol", "X",
                                   "--date", "21/06/2012", "-o", str(out)])
    assert bad_date.exit_code == 2
    assert "expected YYYY-MM-DD" in bad_date.output


AMZN = "AMZN_2012-06-21_34200000_57600000"
AAPL = "AAPL_2012-06-21_34200000_57600000"
NO_PAIR = ("(levels inside the visible window differ); the orderbook file does not belong to "
           "this message file: give the one of the same ticker, date, time range and level")


def _lobster(message: Path, out: Path, *extra: str) -> tuple[int, str]:
    result = runner.invoke(app, ["data", "import", "lobster", str(message), "--date",
                                 "2012-06-21", "-o", str(out), *extra])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _head(source: Path, lines: int, target: Path) -> Path:
    with gzip.open(source, "rt") as handle:
        target.write_text("".join(line for _, line in zip(range(lines), handle, strict=False)))
    return target


def test_import_lobster_with_another_symbols_orderbook_exits_2(tmp_path: Path) -> None:
    """Named as LOBSTER names them: refused at once, by the names."""
    out = tmp_path / "o.parquet"
    book = LOBSTER / f"{AAPL}_orderbook_1.csv.gz"
    code, output = _lobster(LOBSTER / f"{AMZN}_message_1.csv.gz", out, "--symbol", "AMZN",
                            "--orderbook", str(book))
    assert (code, output) == (2, f"error: {book}: not the orderbook of {AMZN}_message_1.csv.gz "
                                 "(ticker AAPL in its name, AMZN in the message file's); give "
                                 "the ..._orderbook_1 file of the same ticker, date and time "
                                 "range\n")
    assert not out.exists()


def test_import_lobster_with_a_renamed_foreign_orderbook_exits_2(tmp_path: Path) -> None:
    """Renamed: refused by content after 1,000 rows (853 of them disagree)."""
    message = _head(LOBSTER / f"{AMZN}_message_1.csv.gz", 2_000, tmp_path / "m.csv")
    book = _head(LOBSTER / f"{AAPL}_orderbook_1.csv.gz", 2_000, tmp_path / "b.csv")
    out = tmp_path / "o.parquet"
    code, output = _lobster(message, out, "--symbol", "AMZN", "--orderbook", str(book))
    assert (code, output) == (2, f"error: {book}: 853 of the first 1000 rows disagree with "
                                 f"m.csv {NO_PAIR}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.csv", "m.csv"]


def test_import_lobster_level_5_book_with_level_1_messages_exits_2(tmp_path: Path) -> None:
    book = LOBSTER / f"{AMZN}_orderbook_5.csv.gz"
    code, output = _lobster(LOBSTER / f"{AMZN}_message_1.csv.gz", tmp_path / "o.parquet",
                            "--symbol", "AMZN", "--orderbook", str(book))
    assert (code, output) == (2, f"error: {book}: not the orderbook of {AMZN}_message_1.csv.gz "
                                 "(level 5 in its name, 1 in the message file's); give the "
                                 "..._orderbook_1 file of the same ticker, date and time range\n")


def test_import_lobster_empty_symbol_exits_2(tmp_path: Path) -> None:
    code, output = _lobster(LOBSTER / f"{AMZN}_message_1.csv.gz", tmp_path / "o.parquet",
                            "--symbol", "")
    assert (code, output) == (2, "error: --symbol '': give the instrument name to write, "
                                 "e.g. AMZN\n")


def test_import_lobster_truncated_gzip_exits_2_naming_the_line(tmp_path: Path) -> None:
    packed = (LOBSTER / f"{AMZN}_message_1.csv.gz").read_bytes()
    cut = tmp_path / f"{AMZN}_message_1.csv.gz"
    cut.write_bytes(packed[:20_000])
    code, output = _lobster(cut, tmp_path / "o.parquet", "--symbol", "AMZN")
    assert (code, output) == (2, f"error: {cut}: line 1889: cannot read: the gzip stream ends "
                                 "early (truncated file?)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [cut.name]


def test_import_lobster_out_at_a_folder_exits_2_and_keeps_it(tmp_path: Path) -> None:
    folder = tmp_path / "existing"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    code, output = _lobster(LOBSTER / f"{AMZN}_message_1.csv.gz", folder, "--symbol", "AMZN")
    assert (code, output) == (2, f"error: {folder}: is a folder; -o/--out takes the Parquet "
                                 f"file to write (e.g. {folder / 'AMZN.parquet'})\n")
    assert (folder / "keep.txt").read_text() == "mine"


def _latency(log: Path, out: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["data", "import", "latency", str(log), "-o", str(out)])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_import_latency_bad_inputs_exit_2_with_one_line(tmp_path: Path) -> None:
    out = tmp_path / "o.parquet"
    header = "Timestamp,Order_ID,Status\n"
    cases = {
        "columns.csv": ("a,b\n1,2\n", "missing column(s) Order_ID, Status, Timestamp (expected "
                        "a header line Timestamp,Order_ID,Status)"),
        "text.csv": (header + "abc,1,PENDING_CREATE\n",
                     "cannot read latency log (could not parse `abc` as dtype `i64` at column "
                     "'Timestamp' (column number 1))"),
        "blank.csv": (header + "1,1,PENDING_CREATE\n,1,CREATED\n",
                      "line 3, column 'Timestamp': empty value"),
        "huge.csv": (header + "99999999999999999,1,PENDING_CREATE\n",
                     "line 2, column 'Timestamp': 99999999999999999 is not milliseconds since "
                     "1970 between 0 and 9223372036854"),
        "empty.csv": ("", "cannot read latency log (empty CSV)"),
        "none.csv": (header + "1,1,1\n", "no create round trips found"),
    }
    for name, (text, message) in cases.items():
        log = tmp_path / name
        log.write_text(text)
        assert _latency(log, out) == (2, f"error: {log}: {message}\n"), name
    assert _latency(tmp_path, out) == (
        2, f"error: {tmp_path}: is a folder; give the latency log CSV file\n")
    good = tmp_path / "good.csv"
    good.write_text(header + "1,1,PENDING_CREATE\n3,1,CREATED\n")
    folder = tmp_path / "folder"
    folder.mkdir()
    assert _latency(good, folder) == (
        2, f"error: {folder}: is a folder; -o/--out takes the Parquet file to write "
           f"(e.g. {folder / 'latency.parquet'})\n")
    assert not out.exists()
