from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()


def test_data_gen_is_deterministic_and_validates(tmp_path: Path) -> None:
    args = ["data", "gen", "--symbols", "X,Y", "--duration", "200ms", "--rate", "1000",
            "--seed", "5"]
    first = runner.invoke(app, [*args, "-o", str(tmp_path / "a.parquet")])
    second = runner.invoke(app, [*args, "-o", str(tmp_path / "b.parquet")])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    rows = pq.read_metadata(tmp_path / "a.parquet").num_rows
    assert f"wrote {rows} events" in first.output
    validated = runner.invoke(app, ["data", "validate", str(tmp_path / "a.parquet")])
    assert validated.exit_code == 0
    assert f"{rows} rows, symbols X, Y" in validated.output


def test_data_gen_bad_duration_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "gen", "-o", str(tmp_path / "x.parquet"),
                                 "--duration", "10 parsecs"])
    assert result.exit_code == 2
    assert "unknown time unit 'parsecs'" in result.output
    assert not (tmp_path / "x.parquet").exists()


def test_data_validate_bad_file_exits_2_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"nope")
    result = runner.invoke(app, ["data", "validate", str(bad)])
    assert result.exit_code == 2
    assert "bad.parquet: not a readable Parquet file" in result.output


def test_data_inspect_prints_fingerprint(tmp_path: Path) -> None:
    out = tmp_path / "a.parquet"
    runner.invoke(app, ["data", "gen", "--duration", "50ms", "-o", str(out)])
    result = runner.invoke(app, ["data", "inspect", str(out)])
    assert result.exit_code == 0
    assert '"fingerprint"' in result.output
    assert '"symbols": [\n    "SYMA"\n  ]' in result.output


def test_scenarios_lists_bundled_with_descriptions() -> None:
    root = Path(__file__).resolve().parents[2]
    result = runner.invoke(app, ["scenarios", "--folder", str(root / "scenarios")])
    assert result.exit_code == 0
    assert "baseline.toml" in result.output
    assert "Today's platform" in result.output


def _damaged_copy(tmp_path: Path, source: Path) -> Path:
    """``source`` with 8 bytes in the middle of its ``action`` column chunk set to 0xFF."""
    metadata = pq.ParquetFile(source).metadata.row_group(0)
    chunk = metadata.column(2)
    assert chunk.path_in_schema == "action"
    middle = chunk.data_page_offset + chunk.total_compressed_size // 2
    data = bytearray(source.read_bytes())
    data[middle:middle + 8] = b"\xff" * 8
    damaged = tmp_path / "damaged.parquet"
    damaged.write_bytes(bytes(data))
    return damaged


def _one_error_line(output: str) -> str:
    lines = output.splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


def test_corrupt_page_exits_2_in_validate_inspect_and_run(tmp_path: Path,
                                                          small_ticks: Path) -> None:
    damaged = _damaged_copy(tmp_path, small_ticks)
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'name = "s"\nseed = 1\n[data]\nsources = [{{ name = "c", '
                        f'path = "{damaged}", route = "full" }}]\n')
    for args in (["data", "validate", str(damaged)], ["data", "inspect", str(damaged)],
                 ["run", str(scenario), "--out", str(tmp_path / "run")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        line = _one_error_line(result.output)
        assert line.startswith(f"error: {damaged}: corrupt Parquet data at row 0 or later (")
        assert line.endswith("); the file is damaged: write or download it again")
    assert not (tmp_path / "run").exists()


def test_truncated_and_duplicate_column_files_exit_2(tmp_path: Path, small_ticks: Path) -> None:
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(small_ticks.read_bytes()[:2_000])
    result = runner.invoke(app, ["data", "validate", str(cut)])
    assert result.exit_code == 2
    assert _one_error_line(result.output) == (
        f"error: {cut}: not a readable Parquet file (Parquet magic bytes not found in footer. "
        "Either the file is corrupted or this is not a parquet file.)")
    table = pq.read_table(small_ticks)
    dup = tmp_path / "dup.parquet"
    pq.write_table(table.append_column("side", table.column("side")), dup)
    for command in ("validate", "inspect"):
        result = runner.invoke(app, ["data", command, str(dup)])
        assert result.exit_code == 2
        assert _one_error_line(result.output) == (
            f"error: {dup}: column 'side' appears more than once (column names must be unique)")


def test_data_validate_on_a_csv_exits_2_with_one_line(tmp_path: Path) -> None:
    csv = tmp_path / "ticks.csv"
    csv.write_text("ts,symbol,action\n1,A,add\n")
    result = runner.invoke(app, ["data", "validate", str(csv)])
    assert result.exit_code == 2
    assert _one_error_line(result.output) == (
        f"error: {csv}: not a readable Parquet file (Parquet magic bytes not found in footer. "
        "Either the file is corrupted or this is not a parquet file.); convert CSV with "
        "`sim data import lobster` first")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate", "0"], "--rate 0: must be at least 1 event per second"),
        (["--rate", "-3"], "--rate -3: must be at least 1 event per second"),
        (["--duration", "0s"], "--duration 0ns: must be longer than zero"),
        (["--add-share", "1.2"], "--add-share 1.2: a share must be between 0 and 1"),
        (["--add-share", "0.8", "--cancel-share", "0.3"],
         "--add-share 0.8 + --cancel-share 0.3 exceed 1 (the rest are market orders)"),
        (["--symbols", ""], "--symbols '': give at least one non-empty symbol name, "
                            "comma-separated"),
        (["--symbols", " , "], "--symbols '': give at least one non-empty symbol name, "
                               "comma-separated"),
    ],
)
def test_data_gen_bad_options_exit_2_naming_the_option(tmp_path: Path, args: list[str],
                                                       message: str) -> None:
    out = tmp_path / "x.parquet"
    result = runner.invoke(app, ["data", "gen", "-o", str(out), *args])
    assert result.exit_code == 2
    assert _one_error_line(result.output) == f"error: {message}"
    assert not out.exists()
