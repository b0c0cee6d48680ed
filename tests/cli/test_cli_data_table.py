"""`sim data import table` and `sim data validate` with a mapping: output, listing, exit codes."""

from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()
MAP = "ts=time,symbol=sym,action=type,order_id=id,side=dir,price=px,qty=size"


def _csv(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text("time,sym,type,id,dir,px,size\n" + body)
    return path


def test_import_table_writes_a_file_that_validates(tmp_path: Path) -> None:
    source = _csv(tmp_path, "1,X,A,1,B,10.25,3\n2,X,D,1,B,,\n")
    out = tmp_path / "out.parquet"
    result = runner.invoke(app, ["data", "import", "table", str(source), "-o", str(out),
                                 "--map", MAP, "--ts-unit", "s", "--action-map",
                                 "A=add,D=cancel"])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote 2 events to {out}, symbols X\n"
    assert pq.read_table(out).column("price").to_pylist() == [102_500, None]
    checked = runner.invoke(app, ["data", "validate", str(out)])
    assert checked.output == f"ok {out}: 2 rows, symbols X\n"


def test_validate_a_csv_lists_problems_and_exits_2(tmp_path: Path) -> None:
    source = _csv(tmp_path, "1,X,A,1,B,10,3\n2,X,A,2,B,10,-3\n3,X,A,3,B,10,-1\n0,X,A,4,Z,1,1\n")
    result = runner.invoke(app, ["data", "validate", str(source), "--map", MAP,
                                 "--ts-unit", "ms", "--action-map", "A=add"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"{source}: 4 problem rows of 3 kinds in 4 data rows",
        "  qty: quantity must be positive: 2 rows (line 3, line 4); e.g. -3",
        "  side: unknown side: 1 row (line 5); e.g. 'z'",
        "  ts: time goes backwards (file not sorted): 1 row (line 5); e.g. 0",
        f"error: problems found in {source} (listed above)",
    ]


def test_validate_a_csv_without_a_mapping_says_how(tmp_path: Path) -> None:
    source = _csv(tmp_path, "1,X,A,1,B,10,3\n")
    result = runner.invoke(app, ["data", "validate", str(source)])
    assert result.exit_code == 2
    assert result.output == (f"error: {source}: a CSV file is checked through its mapping: "
                             "give --map or --map-file (see docs/data.md)\n")


def test_import_table_bad_cell_exits_2_and_leaves_nothing(tmp_path: Path) -> None:
    source = _csv(tmp_path, "1,X,A,1,B,10,3\n2,X,A,2,B,ten,3\n")
    out = tmp_path / "out.parquet"
    result = runner.invoke(app, ["data", "import", "table", str(source), "-o", str(out),
                                 "--map", MAP, "--ts-unit", "ms", "--action-map", "A=add"])
    assert result.exit_code == 2
    assert result.output == (f"error: {source}: line 3, column 'price': not a decimal number "
                             "(got 'ten')\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_import_table_without_a_mapping_exits_2(tmp_path: Path) -> None:
    source = _csv(tmp_path, "1,X,A,1,B,10,3\n")
    result = runner.invoke(app, ["data", "import", "table", str(source), "-o",
                                 str(tmp_path / "o.parquet")])
    assert result.exit_code == 2
    assert "give the column mapping" in result.output


def test_import_dbn_prints_counts_and_bad_input_exits_2(tmp_path: Path) -> None:
    from tests.unit.data.test_import_dbn import _flow, _write

    source = _write(tmp_path, _flow())
    out = tmp_path / "out.parquet"
    result = runner.invoke(app, ["data", "import", "dbn", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote 10 events from 10 records to {out}\n")
    source.write_bytes(source.read_bytes()[:-3])
    result = runner.invoke(app, ["data", "import", "dbn", str(source), "-o",
                                 str(tmp_path / "cut.parquet")])
    assert result.exit_code == 2
    assert result.output == (f"error: {source}: truncated: record 10 is incomplete (53 bytes "
                             "at the end of the file)\n")
    assert not (tmp_path / "cut.parquet").exists()


def test_import_binance_prints_counts_and_a_gap_exits_2(tmp_path: Path) -> None:
    from tests.unit.data.test_import_binance import _diff, _spot
    from tests.unit.data.test_import_binance import _write as write_capture

    source = write_capture(tmp_path, _spot())
    out = tmp_path / "out.parquet"
    result = runner.invoke(app, ["data", "import", "binance", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote 8 rows (6 level, 2 trade) from 7 lines to {out}\n")
    gap = write_capture(tmp_path, [*_spot()[:5], _diff(200, 105, 110, [], [])], "gap.gz")
    result = runner.invoke(app, ["data", "import", "binance", str(gap), "-o",
                                 str(tmp_path / "gap.parquet")])
    assert result.exit_code == 2
    assert result.output == (f"error: {gap}: line 6: sequence gap: depth diff U=105 does not "
                             "follow u=103 of line 2; updates were lost\n")
    assert not (tmp_path / "gap.parquet").exists()
