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
